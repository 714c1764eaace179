//! Parse + diff throughput on the largest generated lockfile of each format
//! (tests/fixtures/large, made by tests/fixtures/generate.sh with the real package managers).
//!
//! Target (issue 2): parse + diff of a 5 MB lockfile well under 100 ms.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

const LARGE: &[&str] =
    &["package-lock.json", "yarn.lock", "yarn-berry/yarn.lock", "pnpm-lock.yaml", "bun.lock"];

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/large");
    let mut group = c.benchmark_group("parse+diff");
    group.sample_size(20);
    for name in LARGE {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            eprintln!("skipping {name}: not generated");
            continue;
        };
        let parsed = lockgate::lockfile::parse(name, &bytes).expect("fixture parses");
        eprintln!("{name}: {} bytes, {} entries", bytes.len(), parsed.entries.len());
        group.throughput(Throughput::Bytes(bytes.len() as u64 * 2));
        // Base and head are both parsed, as in a real `diff`.
        group.bench_function(*name, |b| {
            b.iter(|| {
                let base = lockgate::lockfile::parse(name, black_box(&bytes)).expect("parses");
                let head = lockgate::lockfile::parse(name, black_box(&bytes)).expect("parses");
                black_box(lockgate::diff::diff(Some(&base), Some(&head)))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
