//! Micro-benchmarks of the content path: front-matter parsing, Markdown
//! rendering, a release's words for the search index, and rendering a
//! release's email in each language.
//!
//! Run: `cargo bench --bench render`.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use pressroom::content::Content;
use pressroom::i18n::Lang;
use pressroom::markdown::{self, Links};
use pressroom::release;
use pressroom::render::email;

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let content = Content::load(root).expect("the sample loads");
    let name = "2026-10-26-regional-strategy-2040.fi.md";
    let text = std::fs::read_to_string(root.join("releases").join(name)).unwrap();
    let exists = |_: &str| true;

    c.bench_function("front_matter_parse", |b| {
        b.iter(|| release::parse(Path::new(name), name, &text, &content.config, &exists).unwrap())
    });
    let r = content.find("regional-strategy-2040", None).unwrap();
    c.bench_function("markdown_to_html", |b| {
        b.iter(|| markdown::to_html(&r.body, Links::site("/", pressroom::release::page_of_file)))
    });
    let html = markdown::to_html(&r.body, Links::site("/", pressroom::release::page_of_file));
    let keywords: Vec<&str> = r.tags.iter().map(|t| t.name.as_str()).collect();
    let lead = r.lead();
    c.bench_function("search_words", |b| {
        b.iter(|| pressroom::render::search::Words::of(&r.title, &keywords, &lead, &html))
    });
    c.bench_function("markdown_to_text", |b| {
        b.iter(|| markdown::to_text(&r.body, Links::site("/", pressroom::release::page_of_file)))
    });
    let mut g = c.benchmark_group("email_render");
    for lang in ["fi", "sv", "en"] {
        let r = content
            .find("regional-strategy-2040", Some(&Lang::parse(lang).unwrap()))
            .unwrap();
        g.bench_function(lang, |b| {
            b.iter(|| email::render(r, &content.config, &Default::default()).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
