//! Parse throughput per format (MB/s and lines/s), on generated real-shaped lines.
//!
//! Two levels for each format:
//! - `format/<name>`: the format's `parse` alone on every line (the hot inner loop);
//! - `assemble/<name>`: lines → owned records (decode, detect, envelope, app layout,
//!   continuation), what `logweave parse` does before writing JSON.
//!
//! Run: `cargo bench --bench parse` (criterion prints time and throughput per group).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use logweave::assemble::{detect, Assembler};
use logweave::format;
use logweave::input::LineMeta;
use logweave::time::TimeCtx;

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const PATHS: &[&str] = &[
    "/ws/chat/12/34/",
    "/ws/notifications/",
    "/api/stats/",
    "/static/app.js",
    "/ws/location/7/",
];
const MSGS: &[&str] = &[
    "127.0.0.1:50398 - - [23/Nov/2026:19:37:49] \"WSCONNECTING /ws/chat/1/2/\" - -",
    "2026-11-23 19:37:49,473 INFO     [JWTAuthMiddleware] Processing connection for path: /ws/chat/1/2/",
    "2026-11-23 19:37:49,474 DEBUG    Sent WebSocket packet to client for daphne.response.fFfkUJvMQZ!GsuGLNKtwc",
    "INFO:     127.0.0.1:39432 - \"WebSocket /ws/todos\" [accepted]",
    "2026-11-23 19:37:49,475 WARNING  Application instance took too long to shut down and was killed.",
    "Started Session 1234 of user root.",
];

/// `n` bytes (about) of journald short-iso lines.
fn journald_short_iso(n: usize) -> Vec<String> {
    let mut r = Rng(0x9e3779b97f4a7c15);
    let mut out = Vec::new();
    let mut size = 0;
    let mut s = 0u64;
    while size < n {
        s += r.next() % 3;
        let line = format!(
            "2026-11-23T{:02}:{:02}:{:02}+0000 web-{} daphne[{}]: {}",
            (s / 3600) % 24,
            (s / 60) % 60,
            s % 60,
            r.next() % 4,
            1000 + r.next() % 50,
            r.pick(MSGS)
        );
        size += line.len() + 1;
        out.push(line);
    }
    out
}

/// `n` bytes (about) of nginx `combined` access lines with a trailing request time.
fn nginx_combined(n: usize) -> Vec<String> {
    let mut r = Rng(0x2545f4914f6cdd1d);
    let mut out = Vec::new();
    let mut size = 0;
    let mut s = 0u64;
    while size < n {
        s += r.next() % 3;
        let path = r.pick(PATHS);
        let status = if path.starts_with("/ws/") {
            "101"
        } else {
            "200"
        };
        let line = format!(
            "10.0.{}.{} - - [23/Nov/2026:{:02}:{:02}:{:02} +0000] \"GET {}?token=abc{} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\" {}.{:03}",
            r.next() % 256,
            r.next() % 256,
            (s / 3600) % 24,
            (s / 60) % 60,
            s % 60,
            path,
            r.next() % 1000,
            status,
            r.next() % 5000,
            r.next() % 100,
            r.next() % 1000
        );
        size += line.len() + 1;
        out.push(line);
    }
    out
}

fn bench(c: &mut Criterion) {
    const SIZE: usize = 16 << 20;
    let corpora = [
        ("journald-short-iso", journald_short_iso(SIZE)),
        ("nginx-access", nginx_combined(SIZE)),
    ];
    let ctx = TimeCtx::default();
    let meta = LineMeta::default();
    for (name, lines) in &corpora {
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        let fmt = format::by_name(name).unwrap_or_else(|| panic!("format {name} is registered"));

        let mut g = c.benchmark_group("format");
        g.sample_size(10);
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let mut n = 0usize;
                for l in lines {
                    n += fmt.parse(l, &ctx).is_some() as usize;
                }
                assert_eq!(n, lines.len());
                black_box(n)
            })
        });
        g.throughput(Throughput::Elements(lines.len() as u64));
        g.bench_function(BenchmarkId::new("lines", name), |b| {
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| fmt.parse(l, &ctx).is_some())
                    .count()
            })
        });
        g.finish();

        let mut g = c.benchmark_group("assemble");
        g.sample_size(10);
        g.throughput(Throughput::Bytes(bytes as u64));
        let sample: Vec<&str> = lines.iter().take(64).map(String::as_str).collect();
        let det = detect(&sample, &ctx);
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let mut a = Assembler::new(0, det, ctx.clone());
                for (i, l) in lines.iter().enumerate() {
                    a.push(i as u64 + 1, l.as_bytes(), meta);
                }
                black_box(a.finish().records.len())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
