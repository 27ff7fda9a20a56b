//! Files and folders only their owner may read: the local server's database, documents
//! and secret, and `dossier-admin`'s exports, which hold confidential records. Folders
//! are created `0700` and files `0600` (on Unix; elsewhere with the platform's defaults).

use std::io;
use std::path::Path;

/// Creates `path` and its missing parents, each readable by the owner only.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// [`create_dir_all`], on tokio's blocking pool.
pub async fn create_dir_all_async(path: &Path) -> io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(path).await
}

/// Options that create a new file readable by the owner only, and refuse one that exists
/// (so no symbolic link or earlier file is ever written through).
pub fn new_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// [`new_file`], for tokio.
pub fn new_file_async() -> tokio::fs::OpenOptions {
    tokio::fs::OpenOptions::from(new_file())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn folders_and_files_are_the_owners_alone() {
        let root = std::env::temp_dir().join(format!("dossier-private-{}", std::process::id()));
        let nested = root.join("a/b");
        create_dir_all(&nested).unwrap();
        for folder in [&root, &root.join("a"), &nested] {
            let mode = std::fs::metadata(folder).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", folder.display());
        }
        let file = nested.join("f");
        new_file().open(&file).unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // Never through what is already there: a file, or a link to elsewhere.
        assert!(new_file().open(&file).is_err());
        let link = nested.join("link");
        std::os::unix::fs::symlink(root.join("elsewhere"), &link).unwrap();
        assert!(new_file().open(&link).is_err());
        assert!(!root.join("elsewhere").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
