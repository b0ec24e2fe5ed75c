//! Long lines cut to a window for human messages. A diagnostic on a line of 200,000
//! characters would print the whole line (twice, with its caret line): lines longer
//! than [`MAX_LINE`] that the diagnostic shows are cut to a window around its labels,
//! with `…` where text is left out. Line and column numbers stay the file's own.

use std::collections::BTreeMap;
use std::ops::Range;

use codespan_reporting::files::{Error as FilesError, Files};

use crate::syntax::span::{FileId, SourceFile, SourceMap};

/// The longest line printed whole, in bytes.
pub const MAX_LINE: usize = 240;
/// Context kept on each side of a label in a cut line.
const CONTEXT: usize = 60;
const ELLIPSIS: &str = "…";

/// One file as a message shows it: long lines cut, and how to map back.
struct View<'m> {
    file: &'m SourceFile,
    text: String,
    starts: Vec<usize>,
    /// For each cut line: where the window starts in the original line, and how many
    /// bytes of `…` precede it in the view.
    cuts: BTreeMap<usize, (usize, usize)>,
}

/// The files of one diagnostic, long lines cut; offsets are mapped with [`Self::map`].
pub(super) struct Windowed<'m> {
    sources: &'m SourceMap,
    views: BTreeMap<FileId, View<'m>>,
}

impl<'m> Windowed<'m> {
    /// The views for labels `ranges` (file, byte range in the original). `None` when no
    /// label is on a long line: the message is printed from the files as they are.
    pub(super) fn new(sources: &'m SourceMap, ranges: &[(FileId, Range<usize>)]) -> Option<Self> {
        let mut by_line: BTreeMap<(FileId, usize), Vec<Range<usize>>> = BTreeMap::new();
        for (id, r) in ranges {
            let file = sources.get(*id)?;
            let first = file.line_index(r.start);
            let last = file.line_index(r.end);
            for line in first..=last {
                by_line.entry((*id, line)).or_default().push(r.clone());
            }
        }
        let long = |id: FileId, line: usize| {
            sources
                .get(id)
                .is_some_and(|f| line_len(f, line) > MAX_LINE)
        };
        if !by_line.keys().any(|(id, line)| long(*id, *line)) {
            return None;
        }
        let mut views = BTreeMap::new();
        for id in ranges.iter().map(|(id, _)| *id) {
            if views.contains_key(&id) {
                continue;
            }
            let file = sources.get(id)?;
            let mut text = String::with_capacity(file.text.len().min(1 << 16));
            let mut starts = Vec::with_capacity(file.line_starts().len());
            let mut cuts = BTreeMap::new();
            for line in 0..file.line_starts().len() {
                starts.push(text.len());
                let whole = line_text(file, line);
                let (body, end) = split_terminator(whole);
                if body.len() <= MAX_LINE {
                    text.push_str(whole);
                    continue;
                }
                let ls = file.line_starts()[line];
                let labels = by_line.get(&(id, line));
                let (lo, hi) = window(body, ls, labels.map(Vec::as_slice).unwrap_or(&[]));
                let prefix = if lo > 0 { ELLIPSIS } else { "" };
                text.push_str(prefix);
                text.push_str(&body[lo..hi]);
                if hi < body.len() {
                    text.push_str(ELLIPSIS);
                }
                text.push_str(end);
                cuts.insert(line, (lo, prefix.len()));
            }
            views.insert(
                id,
                View {
                    file,
                    text,
                    starts,
                    cuts,
                },
            );
        }
        Some(Windowed { sources, views })
    }

    /// A byte offset of the original file, in its view.
    pub(super) fn map(&self, id: FileId, offset: usize) -> usize {
        let Some(v) = self.views.get(&id) else {
            return offset;
        };
        let line = v.file.line_index(offset);
        let ls = v.file.line_starts()[line];
        let Some(&(lo, prefix)) = v.cuts.get(&line) else {
            return v.starts[line] + (offset - ls);
        };
        let body_len = v.text[v.starts[line]..]
            .find('\n')
            .unwrap_or(v.text.len() - v.starts[line]);
        let rel = (offset - ls).saturating_sub(lo);
        let mut at = (v.starts[line] + prefix + rel).min(v.starts[line] + body_len);
        while !v.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn view(&self, id: FileId) -> Result<&View<'m>, FilesError> {
        self.views.get(&id).ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for Windowed<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.sources.get(id).ok_or(FilesError::FileMissing)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.view(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let v = self.view(id)?;
        Ok(match v.starts.binary_search(&byte_index) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let v = self.view(id)?;
        let start = *v.starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: v.starts.len().saturating_sub(1),
        })?;
        let end = v
            .starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(v.text.len());
        Ok(start..end)
    }

    /// The column in the original line, so a cut line keeps its numbers.
    fn column_number(
        &'a self,
        id: FileId,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let v = self.view(id)?;
        let start = *v.starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: v.starts.len().saturating_sub(1),
        })?;
        let upto = byte_index.clamp(start, v.text.len());
        let Some(&(lo, prefix)) = v.cuts.get(&line_index) else {
            return Ok(v.text.get(start..upto).map_or(0, |s| s.chars().count()) + 1);
        };
        let original = line_text(v.file, line_index);
        let before = original.get(..lo).map_or(0, |s| s.chars().count());
        let inside = v
            .text
            .get((start + prefix).min(upto)..upto)
            .map_or(0, |s| s.chars().count());
        Ok(before + inside + 1)
    }
}

fn line_text(file: &SourceFile, line: usize) -> &str {
    let starts = file.line_starts();
    let start = starts[line];
    let end = starts.get(line + 1).copied().unwrap_or(file.text.len());
    &file.text[start..end]
}

fn line_len(file: &SourceFile, line: usize) -> usize {
    split_terminator(line_text(file, line)).0.len()
}

fn split_terminator(line: &str) -> (&str, &str) {
    let body = line.trim_end_matches(['\n', '\r']);
    (body, &line[body.len()..])
}

/// The window of a long line (offsets within it) around the labels on it: from a
/// little before the first to a little after the last, at most [`MAX_LINE`] wide.
fn window(body: &str, line_start: usize, labels: &[Range<usize>]) -> (usize, usize) {
    let rel = |o: usize| o.saturating_sub(line_start).min(body.len());
    let first = labels.iter().map(|r| rel(r.start)).min().unwrap_or(0);
    let last = labels
        .iter()
        .map(|r| rel(r.end))
        .max()
        .unwrap_or(0)
        .max(first);
    let mut lo = first.saturating_sub(CONTEXT);
    let mut hi = (last + CONTEXT).min(body.len()).min(lo + MAX_LINE);
    if hi <= first {
        hi = (first + CONTEXT).min(body.len());
    }
    while !body.is_char_boundary(lo) {
        lo -= 1;
    }
    while !body.is_char_boundary(hi) {
        hi += 1;
    }
    (lo, hi)
}
