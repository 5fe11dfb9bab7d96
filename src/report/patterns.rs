//! `logweave patterns list` and `logweave patterns test` output.

use std::io::{self, Write};

use crate::pattern::{ExampleFailure, Pack};

/// One block per pack: name, origin, about, then its patterns and rules.
pub fn write_list<W: Write>(w: &mut W, packs: &[Pack]) -> io::Result<()> {
    for p in packs {
        writeln!(w, "{}  ({})", p.name, p.origin.path().display())?;
        writeln!(w, "  {}", p.about)?;
        for t in &p.patterns {
            let pre = if t.literals.is_empty() {
                "no prefilter".to_string()
            } else {
                format!("prefilter {:?}", t.literals)
            };
            writeln!(w, "  pattern {:28} {:10} {pre}", t.id, t.stage.name())?;
        }
        if !p.sequence.is_empty() {
            let steps: Vec<&str> = p
                .sequence
                .iter()
                .map(|s| p.patterns[s.pattern].id.as_str())
                .collect();
            writeln!(w, "  sequence {}", steps.join(" → "))?;
        }
        for r in &p.rules {
            writeln!(w, "  rule    {:28} {}", r.id, r.severity.name())?;
        }
    }
    Ok(())
}

/// The failures, then a closing count line.
pub fn write_test<W: Write>(
    w: &mut W,
    packs: usize,
    checked: usize,
    failures: &[ExampleFailure],
) -> io::Result<()> {
    for f in failures {
        writeln!(w, "{}: {}: {}", f.location, f.pattern, f.problem)?;
    }
    writeln!(
        w,
        "{} packs, {checked} examples and counter-examples: {} passed, {} failed",
        packs,
        checked - failures.len(),
        failures.len()
    )
}
