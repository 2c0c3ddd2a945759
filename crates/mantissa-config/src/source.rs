//! Source files and locations: every value the user wrote remembers where it came from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A configuration file as read from disk, kept whole so diagnostics can show the offending line.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user would recognise it (relative to the working directory when possible).
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self { path: path.into(), text: text.into() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The byte offset of a 1-based line and column (columns count characters).
    pub fn offset_of(&self, line: u32, column: u32) -> usize {
        let mut offset = 0;
        for (i, l) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line as usize {
                let col = column.saturating_sub(1) as usize;
                return offset + l.char_indices().nth(col).map(|(b, _)| b).unwrap_or(l.len());
            }
            offset += l.len();
        }
        self.text.len()
    }
}

/// A place in a source file: 1-based line and column, and the byte span of the node.
#[derive(Clone, Debug)]
pub struct Loc {
    pub file: Arc<SourceFile>,
    pub line: u32,
    pub column: u32,
    /// Byte offset of the node's start in `file.text`.
    pub offset: usize,
    /// Byte length of the node (at least 1 for display).
    pub len: usize,
}

impl Loc {
    pub fn new(file: &Arc<SourceFile>, line: u32, column: u32, len: usize) -> Self {
        let offset = file.offset_of(line, column);
        Self { file: file.clone(), line, column, offset, len }
    }

    /// A location for a file as a whole (a missing key has no node to point at).
    pub fn file_start(file: &Arc<SourceFile>) -> Self {
        Self { file: file.clone(), line: 1, column: 1, offset: 0, len: 0 }
    }
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.path.display(), self.line, self.column)
    }
}

impl PartialEq for Loc {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.file, &other.file) && self.offset == other.offset && self.len == other.len
    }
}
