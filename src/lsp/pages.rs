//! The diagnostic codes' pages (`docs/errors/CODE.md`, compiled into the binary),
//! written once into a folder of the system's temporary directory so that a
//! diagnostic's `codeDescription` is a `file://` link an editor can open.

use std::path::PathBuf;

use crate::diagnostics::codes;

/// Writes each page that is missing or differs; the folder, or `None` when it
/// cannot be written (diagnostics then go without a link).
pub fn write() -> Option<PathBuf> {
    let dir = std::env::temp_dir()
        .join(format!("formwork-{}", env!("CARGO_PKG_VERSION")))
        .join("errors");
    std::fs::create_dir_all(&dir).ok()?;
    for code in codes::ALL {
        let path = dir.join(format!("{}.md", code.id));
        let same = std::fs::read(&path).is_ok_and(|b| b == code.page.as_bytes());
        if !same {
            let tmp = dir.join(format!(".{}.{}.tmp", code.id, std::process::id()));
            std::fs::write(&tmp, code.page).ok()?;
            std::fs::rename(&tmp, &path).ok()?;
        }
    }
    Some(dir)
}

/// Where the standard library's file `name` (`std/aws.fw`) is on disk, for a
/// definition in it: written once, beside the pages, from the copy compiled into the
/// binary.
pub fn std_path(name: &str) -> Option<PathBuf> {
    static ROOT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let root = ROOT.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("formwork-{}", env!("CARGO_PKG_VERSION")));
        for f in crate::resolve::stdlib::FILES {
            let path = root.join(f.name);
            std::fs::create_dir_all(path.parent()?).ok()?;
            if !std::fs::read(&path).is_ok_and(|b| b == f.source.as_bytes()) {
                let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
                std::fs::write(&tmp, f.source).ok()?;
                std::fs::rename(&tmp, &path).ok()?;
            }
        }
        Some(root)
    });
    crate::resolve::stdlib::FILES
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| Some(root.as_ref()?.join(f.name)))
}
