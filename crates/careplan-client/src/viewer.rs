//! Opening files for the forms viewer and 予実突合: what was picked, dropped, received or sent is
//! read (each file bounded in size) into a [`Bundle`]. A file that cannot be read stays in the
//! bundle with the reason, so the others still open.

use std::io::Read;
use std::path::{Path, PathBuf};

use careplan_forms::Bundle;

use crate::error::{ClientError, Result};
use crate::send::{MAX_FILE_BYTES, expand};

/// Reads files and folders (the `.csv` and `.jpg` files directly in them) into a bundle.
/// Fails only when a path given does not exist or cannot be listed; unreadable or oversize files are kept with
/// their problem.
pub fn open(paths: &[PathBuf]) -> Result<Bundle> {
    for p in paths {
        std::fs::metadata(p).map_err(|e| ClientError::io(p, e))?;
    }
    let mut bundle = Bundle::default();
    for path in expand(paths)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match read_bounded(&path) {
            Ok(bytes) => bundle.add(name, bytes),
            Err(problem) => bundle.add_unreadable(name, problem),
        }
    }
    Ok(bundle)
}

// Reads at most one byte past the limit, so an oversize (or growing) file costs no more memory
// than a file at the limit.
fn read_bounded(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| ClientError::io(path, e).to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ClientError::io(path, e).to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{} MB を超えるため開きません。ケアソフトから月ごと・事業所ごとに分けて出力してください。",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_opens_with_its_files_and_an_oversize_file_is_kept_with_its_problem() {
        let dir = tempfile::tempdir().unwrap();
        for f in crate::testing::sample_exchange(2) {
            std::fs::write(dir.path().join(f.name.to_string()), f.bytes).unwrap();
        }
        let big = dir
            .path()
            .join("UPPLAN_202612_1310000001_43_1320000009_11_20261125093100.CSV");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let bundle = open(&[dir.path().to_owned()]).unwrap();
        assert_eq!(bundle.users().len(), 2);
        let f = bundle
            .files()
            .iter()
            .find(|f| f.name.ends_with("1320000009_11_20261125093100.CSV"));
        assert!(
            f.unwrap()
                .problem
                .as_deref()
                .unwrap()
                .contains("MB を超える")
        );
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let e = open(&[PathBuf::from("/nonexistent/kizuna")]).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/kizuna"), "{e}");
    }
}
