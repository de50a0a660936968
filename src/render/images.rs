//! Web-sized copies of large pictures: a JPEG or PNG in `releases/assets/`
//! wider than [`WEB_WIDTH`] pixels gets a copy that wide at build time
//! (`assets/_web/…-1200.jpg`), which pages show (with the original in
//! `srcset` and as a download) and emails use. Made with the `image`
//! crate; kept in the pressroom's `.cache/images/` by the original's
//! content, so a rebuild resizes nothing that did not change.

use std::io::Cursor;
use std::path::Path;

use anyhow::Context;
use image::ImageEncoder;

/// The width of a picture's web copy, in pixels: twice the page's text
/// column, and enough for an email's 600-pixel column on a dense screen.
pub const WEB_WIDTH: usize = 1200;

/// JPEG quality of the web copies.
const JPEG_QUALITY: u8 = 82;

/// Where the web copy of the asset `src` (`assets/photo.jpg`) goes, when
/// it is a kind that gets one (JPEG, PNG).
pub fn web_path(src: &str) -> Option<String> {
    let rest = src.strip_prefix("assets/")?;
    let (stem, ext) = rest.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    matches!(ext.as_str(), "jpg" | "jpeg" | "png")
        .then(|| format!("assets/_web/{stem}-{WEB_WIDTH}.{ext}"))
}

/// The web copy's size for an original of `size`, when it needs one (it
/// is wider than [`WEB_WIDTH`]).
pub fn web_size((width, height): (usize, usize)) -> Option<(usize, usize)> {
    (width > WEB_WIDTH).then(|| {
        let h = (height * WEB_WIDTH + width / 2) / width;
        (WEB_WIDTH, h.max(1))
    })
}

/// Why the build could not make the web copy that the picture at `path`
/// (`assets/…`, `rel`) needs, found from its header alone: not a picture
/// its name says, or too large to decode within the image library's
/// memory limit. `None` when it needs no copy or a copy can be made.
pub fn refusal(rel: &str, path: &Path) -> Option<String> {
    web_path(rel)?;
    let size = imagesize::size(path).ok()?;
    web_size((size.width, size.height))?;
    // What decoding reserves first, against the limits the build decodes with.
    let fits = || -> anyhow::Result<()> {
        use image::ImageDecoder;
        let reader = image::ImageReader::open(path)?.with_guessed_format()?;
        let decoder = reader.into_decoder()?;
        Ok(image::Limits::default().reserve(decoder.total_bytes())?)
    };
    match fits() {
        Ok(()) => None,
        Err(e) => Some(format!(
            "the picture is {} × {} pixels and cannot be made into a web copy ({e}); save it smaller (at most a few thousand pixels wide) and try again",
            size.width, size.height
        )),
    }
}

/// The web copy of the picture `original` (the bytes of `name`), from
/// `cache` when it was made before; `None` when it needs none.
pub fn web_copy(name: &Path, original: &[u8], cache: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(size) = imagesize::blob_size(original).ok() else {
        return Ok(None);
    };
    if web_size((size.width, size.height)).is_none() {
        return Ok(None);
    }
    let ext = name
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let key = format!(
        "{:016x}-{WEB_WIDTH}-{JPEG_QUALITY}.{ext}",
        crate::render::site::fingerprint(original)
    );
    let cached = cache.join(&key);
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(Some(bytes));
    }
    let img = image::load_from_memory(original)
        .with_context(|| format!("cannot read the picture {}", name.display()))?;
    let (w, h) =
        web_size((img.width() as usize, img.height() as usize)).expect("wider than the web size");
    let small = img.resize_exact(w as u32, h as u32, image::imageops::FilterType::Lanczos3);
    let mut out = Cursor::new(Vec::new());
    match ext.as_str() {
        "png" => image::codecs::png::PngEncoder::new(&mut out).write_image(
            small.as_bytes(),
            small.width(),
            small.height(),
            small.color().into(),
        ),
        _ => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .encode_image(&small.to_rgb8()),
    }
    .with_context(|| format!("cannot make the web copy of {}", name.display()))?;
    let bytes = out.into_inner();
    // The cache is a convenience: a build that cannot keep a copy still
    // made it.
    if std::fs::create_dir_all(cache).is_ok() {
        let tmp = cache.join(format!("{key}.tmp-{}", std::process::id()));
        if std::fs::write(&tmp, &bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &cached);
        }
    }
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_large_jpegs_and_pngs_under_assets_get_a_web_copy() {
        assert_eq!(
            web_path("assets/shore.JPG").as_deref(),
            Some("assets/_web/shore-1200.jpg")
        );
        assert_eq!(
            web_path("assets/a/b.png").as_deref(),
            Some("assets/_web/a/b-1200.png")
        );
        assert_eq!(web_path("assets/logo.svg"), None);
        assert_eq!(web_size((2400, 1600)), Some((1200, 800)));
        assert_eq!(web_size((1200, 800)), None);
    }

    #[test]
    fn a_large_picture_is_made_web_sized_once_and_then_read_from_the_cache() {
        let big = image::RgbImage::from_fn(2400, 1000, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut png = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(big)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let png = png.into_inner();
        let cache = tempfile::tempdir().unwrap();
        let made = web_copy(Path::new("shore.png"), &png, cache.path())
            .unwrap()
            .unwrap();
        let size = imagesize::blob_size(&made).unwrap();
        assert_eq!((size.width, size.height), (1200, 500));
        assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1);
        let again = web_copy(Path::new("shore.png"), &png, cache.path())
            .unwrap()
            .unwrap();
        assert_eq!(made, again);
        let small = image::RgbImage::new(300, 200);
        let mut small_png = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(small)
            .write_to(&mut small_png, image::ImageFormat::Png)
            .unwrap();
        assert!(
            web_copy(Path::new("s.png"), &small_png.into_inner(), cache.path())
                .unwrap()
                .is_none()
        );
    }
}
