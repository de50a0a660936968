//! A collection split over several locks by the hash of its keys, so that
//! the threads of a parallel render rarely wait on each other. Keys are
//! hashed with FxHash: they are the site's own paths, not input from the
//! web, and a preview hashes tens of thousands of them per update.

use std::hash::{BuildHasher, Hash};
use std::sync::{Mutex, MutexGuard};

use rustc_hash::FxBuildHasher;

/// A map hashed with FxHash.
pub type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;
/// A set hashed with FxHash.
pub type HashSet<T> = rustc_hash::FxHashSet<T>;

const SHARDS: usize = 32;

/// `T` (a map or a set) split over [`SHARDS`] locks.
pub struct Sharded<T> {
    shards: Vec<Mutex<T>>,
    hasher: FxBuildHasher,
}

impl<T: Default> Default for Sharded<T> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: FxBuildHasher,
        }
    }
}

impl<T> Sharded<T> {
    /// The part that holds `key`, locked.
    pub fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> MutexGuard<'_, T> {
        let i = self.hasher.hash_one(key) as usize % self.shards.len();
        self.shards[i].lock().expect("a shard's lock")
    }

    /// Calls `f` on every part in turn.
    pub fn for_each(&self, mut f: impl FnMut(&mut T)) {
        for s in &self.shards {
            f(&mut s.lock().expect("a shard's lock"));
        }
    }

    /// The parts, unlocked for good.
    pub fn into_parts(self) -> impl Iterator<Item = T> {
        self.shards
            .into_iter()
            .map(|m| m.into_inner().expect("a shard's lock"))
    }
}

impl<K: Hash + Eq, V> Sharded<HashMap<K, V>> {
    pub fn clear(&self) {
        self.for_each(HashMap::clear);
    }
}

impl Sharded<HashSet<String>> {
    /// Adds `value` (a `&str`, copied only when new).
    pub fn insert(&self, value: &str) {
        let mut shard = self.shard(value);
        if !shard.contains(value) {
            shard.insert(value.to_string());
        }
    }

    /// All values in one set.
    pub fn into_set(self) -> HashSet<String> {
        let mut all = HashSet::default();
        for part in self.into_parts() {
            all.extend(part);
        }
        all
    }
}
