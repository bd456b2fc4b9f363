//! Every fuzz seed and every crash the fuzzers ever found, replayed through the same checks
//! the fuzz targets run (`fuzz/`; `scripts/fuzz.sh` runs the fuzzers themselves). A crash
//! input goes into `fuzz/regressions/<target>/` with the fix, so it stays fixed.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    v.sort();
    v
}

fn replay(kind: &str, min_inputs: usize) {
    for (target, check) in mcp_tasks_fuzz::TARGETS {
        let dir = fuzz_dir().join(kind).join(target);
        let files = inputs(&dir);
        assert!(
            files.len() >= min_inputs,
            "{}: expected at least {min_inputs} input(s), found {}",
            dir.display(),
            files.len()
        );
        for f in files {
            let data = std::fs::read(&f).expect("read input");
            let r = std::panic::catch_unwind(|| check(&data));
            assert!(r.is_ok(), "{target}: {} fails its check", f.display());
        }
    }
}

#[test]
fn every_seed_passes_its_target() {
    replay("seeds", 1);
}

#[test]
fn every_crash_ever_found_stays_fixed() {
    replay("regressions", 0);
}
