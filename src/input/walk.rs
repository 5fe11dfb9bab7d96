//! Inputs named on the command line, with directories opened up: every log file under a
//! directory, as `lnav /var/log/nginx/` and `rg PATTERN DIR` read one.
//!
//! ```text
//! args ──► "-"        → stdin
//!          file       → itself (read whatever it holds)
//!          directory  → its files, recursively, sorted by name; hidden entries, files
//!                       compressed in a way logweave does not read (xz, bzip2, lz4) and
//!                       binary files (a NUL in the first 8 KiB, not gzip or zstd: a
//!                       systemd `.journal`, a core dump) skipped and reported
//! ```
//!
//! A file named on its own is always read, binary or not (its bad bytes are counted): the
//! skipping is only for what a directory walk finds. Entries that cannot be read are kept,
//! so opening them reports the error as for a named file.

use std::io::Read;
use std::path::Path;

use super::{sniff, unread_compression, unread_note, Compression, InputSpec};

/// Bytes looked at to tell a binary file.
const SNIFF_BYTES: usize = 8192;

/// A file a directory walk left out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The file's path.
    pub path: String,
    /// Why, for the user (`binary`, `a systemd journal file: ...`).
    pub why: String,
}

/// The inputs `args` name, in order, directories replaced by the files under them. A
/// file met a second time, by its name or through a link (every file of Kubernetes'
/// `/var/log/containers` links into `/var/log/pods`), is read once: its lines counted
/// twice would be twice the connections, as lnav opens a file once.
pub fn expand(args: &[String]) -> (Vec<InputSpec>, Vec<Skipped>) {
    let (specs, mut skipped) = expand_all(args);
    // (device, inode) → the name it was first met by.
    let mut seen = std::collections::BTreeMap::new();
    let mut kept = Vec::with_capacity(specs.len());
    for spec in specs {
        let Some(id) = file_id(&spec) else {
            kept.push(spec);
            continue;
        };
        match seen.get(&id) {
            Some(first) => skipped.push(Skipped {
                why: format!("the same file as {first}, read once"),
                path: spec.name,
            }),
            None => {
                seen.insert(id, spec.name.clone());
                kept.push(spec);
            }
        }
    }
    (kept, skipped)
}

/// What tells one regular file from another whatever its name: (device, inode). `None`
/// for stdin, a pipe, and what cannot be looked at (opening it reports why).
fn file_id(spec: &InputSpec) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(spec.path.as_ref()?).ok()?;
    meta.is_file().then(|| (meta.dev(), meta.ino()))
}

/// [`expand`] before a file met twice is left out.
fn expand_all(args: &[String]) -> (Vec<InputSpec>, Vec<Skipped>) {
    let mut specs = Vec::new();
    let mut skipped = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if arg == "-" || !path.is_dir() {
            specs.push(InputSpec::from_arg(arg));
            continue;
        }
        let walk = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
        for entry in walk {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    // Unreadable: opening it says why, as for a file named outright.
                    if let Some(p) = e.path() {
                        specs.push(InputSpec::from_arg(&p.to_string_lossy()));
                    }
                    continue;
                }
            };
            // Symbolic links are followed to files, not to directories (no loops).
            let is_file =
                entry.file_type().is_file() || (entry.path_is_symlink() && entry.path().is_file());
            if !is_file {
                continue;
            }
            let name = entry.path().to_string_lossy().into_owned();
            match binary(entry.path()) {
                Some(why) => skipped.push(Skipped { path: name, why }),
                None => specs.push(InputSpec::from_arg(&name)),
            }
        }
    }
    (specs, skipped)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Why the file at `path` is not a log to read as text, if it is not: a NUL byte near
/// its start, unless it is compressed. `None` also when it cannot be read (opening it
/// later reports that).
fn binary(path: &Path) -> Option<String> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    std::fs::File::open(path)
        .ok()?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    if let Some(tool) = unread_compression(&head) {
        return Some(unread_note(tool, &path.display().to_string()));
    }
    if sniff(&head) != Compression::None || memchr::memchr(0, &head).is_none() {
        return None;
    }
    Some(if head.starts_with(b"LPKSHHRH") {
        format!(
            "a systemd journal file: read it with `journalctl --file {} -o short-iso`",
            path.display()
        )
    } else {
        "binary (a NUL byte in its first 8 KiB); name it to read it anyway".to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_named_twice_or_reached_through_a_link_is_read_once() {
        // Kubernetes: /var/log/containers/<pod>_<ns>_<c>-<id>.log links to
        // /var/log/pods/<ns>_<pod>_<uid>/<c>/0.log, so `scan /var/log` met every container
        // log twice, and every connection and finding came out twice.
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("pods/web/daphne")).unwrap();
        std::fs::create_dir_all(d.join("containers")).unwrap();
        std::fs::write(d.join("pods/web/daphne/0.log"), "a\n").unwrap();
        std::os::unix::fs::symlink(
            d.join("pods/web/daphne/0.log"),
            d.join("containers/web_daphne.log"),
        )
        .unwrap();
        let root = d.to_string_lossy().into_owned();
        let again = format!("{root}/pods/web/daphne/0.log");
        let (specs, skipped) = expand(&[root.clone(), again.clone(), "-".into()]);
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [format!("{root}/containers/web_daphne.log").as_str(), "-"]
        );
        let why: Vec<(&str, &str)> = skipped
            .iter()
            .map(|s| (s.path.as_str(), s.why.as_str()))
            .collect();
        let first = format!("the same file as {root}/containers/web_daphne.log, read once");
        assert_eq!(
            why,
            [
                (again.as_str(), first.as_str()),
                (again.as_str(), first.as_str())
            ]
        );
    }

    #[test]
    fn a_directory_becomes_its_log_files_sorted_without_hidden_or_binary_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("nginx")).unwrap();
        std::fs::create_dir_all(d.join(".cache")).unwrap();
        std::fs::write(d.join("nginx/access.log"), "a\n").unwrap();
        std::fs::write(d.join("nginx/access.log.2.gz"), [0x1f, 0x8b, 8, 0, 0]).unwrap();
        std::fs::write(d.join("daphne.log"), "b\n").unwrap();
        std::fs::write(d.join(".hidden.log"), "c\n").unwrap();
        std::fs::write(d.join(".cache/x.log"), "d\n").unwrap();
        std::fs::write(d.join("system.journal"), b"LPKSHHRH\0\0\0\x01").unwrap();
        std::fs::write(d.join("core"), b"\x7fELF\0\0").unwrap();
        std::fs::write(d.join("old.log.xz"), [0xfd, b'7', b'z', b'X', b'Z', 0, 0]).unwrap();
        let root = d.to_string_lossy().into_owned();
        let (specs, skipped) = expand(&[root.clone(), "-".into()]);
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        assert_eq!(
            names,
            [
                format!("{root}/daphne.log"),
                format!("{root}/nginx/access.log"),
                format!("{root}/nginx/access.log.2.gz"),
                "-".to_string(),
            ]
        );
        let why: Vec<(&str, &str)> = skipped
            .iter()
            .map(|s| (s.path.rsplit('/').next().unwrap(), s.why.as_str()))
            .collect();
        assert_eq!(why.len(), 3, "{why:?}");
        assert_eq!(why[0].0, "core");
        assert!(why[0].1.starts_with("binary"));
        assert_eq!(why[1].0, "old.log.xz");
        assert!(why[1].1.contains("xz -dc"));
        assert_eq!(why[2].0, "system.journal");
        assert!(why[2].1.contains("journalctl --file"));
    }

    #[test]
    fn a_file_named_outright_is_read_even_when_binary() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("core");
        std::fs::write(&f, b"\0\0\0").unwrap();
        let name = f.to_string_lossy().into_owned();
        let (specs, skipped) = expand(std::slice::from_ref(&name));
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].name, name);
        assert!(skipped.is_empty());
    }
}
