//! `analyze --threads N`: the inputs read by N threads and merged in input order.
//!
//! A plain-text file in line protocol or `influx -format csv` is cut at line boundaries into
//! up to N slices, each read by its own analyzer; a CSV slice is primed with the header in
//! force where it begins. Other inputs are read whole, one per thread: compressed files (one
//! stream), query JSON and annotated CSV (a record or a table spans lines), standard input.
//! The merge goes in input order (`Analyzer::merge_slice` within a file, `Analyzer::merge`
//! between files), so the rows, warnings and their line numbers, counts and the first error
//! are those of one thread.

use anyhow::{Context, Result};
use planet_core::analyzer::input_format;
use planet_core::{Analyzer, Format, Options};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Bytes read at a time (as the one-thread path reads).
const CHUNK: usize = crate::engine::CHUNK;

/// Bytes at the start of a file that decide its format and whether it is plain text.
const HEAD_BYTES: usize = 64 * 1024;

/// What one thread reads.
#[derive(Debug)]
struct Piece {
    path: PathBuf,
    name: String,
    /// Byte range of the file; `None` for the whole input (and standard input).
    range: Option<(u64, u64)>,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A whole input.
    Whole,
    /// The first slice of a file cut in several.
    First,
    /// A later slice, of a file in this format.
    Later(Format),
}

/// What a thread hands back: the analyzer of its piece and how reading it went.
struct Done {
    analyzer: Analyzer,
    /// Opening or reading the file failed.
    io: Result<()>,
    /// What the analyzer said of the bytes (strict mode, an input that is not text).
    pushed: planet_core::Result<()>,
}

/// Reads `files` on up to `threads` threads, cutting files of at least twice `min_slice`
/// bytes, and returns the analyzer of them all, ready to finish.
pub fn analyze(files: &[PathBuf], options: &Options, threads: usize, min_slice: u64) -> Result<Analyzer> {
    let pieces = plan(files, options, threads, min_slice)?;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<(usize, Done)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.min(pieces.len()) {
            let sender = sender.clone();
            let (pieces, next, stop) = (&pieces, &next, &stop);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(piece) = pieces.get(i) else { break };
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let done = read_piece(piece, options, stop);
                if sender.send((i, done)).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        let merged = merge_in_order(&pieces, options, receiver);
        if merged.is_err() {
            // The threads still reading have nothing more to give.
            stop.store(true, Ordering::Relaxed);
        }
        merged
    })
}

/// Merges the pieces as they come back, each once those before it are merged.
fn merge_in_order(pieces: &[Piece], options: &Options, receiver: mpsc::Receiver<(usize, Done)>) -> Result<Analyzer> {
    let mut all = Analyzer::new(options.clone());
    // The file being put back together from its slices.
    let mut file: Option<Analyzer> = None;
    let mut waiting: Vec<Option<Done>> = pieces.iter().map(|_| None).collect();
    let mut merged = 0;
    while merged < pieces.len() {
        let (i, done) = receiver.recv().context("a reading thread ended without its piece")?;
        waiting[i] = Some(done);
        while let Some(done) = waiting.get_mut(merged).and_then(Option::take) {
            let piece = &pieces[merged];
            merged += 1;
            done.io?;
            match piece.kind {
                Kind::Whole => {
                    end_file(&mut all, file.take())?;
                    done.pushed?;
                    all.merge(done.analyzer)?;
                }
                Kind::First => {
                    end_file(&mut all, file.take())?;
                    done.pushed?;
                    file = Some(done.analyzer);
                }
                Kind::Later(_) => match file.as_mut() {
                    Some(first) => first.merge_slice(done.analyzer, done.pushed)?,
                    None => anyhow::bail!("a slice of {} without its start", piece.name),
                },
            }
        }
    }
    end_file(&mut all, file)?;
    Ok(all)
}

/// Ends a file read in slices and merges it into the analysis of all inputs.
fn end_file(all: &mut Analyzer, file: Option<Analyzer>) -> Result<()> {
    if let Some(mut file) = file {
        file.end_input()?;
        all.merge(file)?;
    }
    Ok(())
}

/// Reads one piece with its own analyzer.
fn read_piece(piece: &Piece, options: &Options, stop: &AtomicBool) -> Done {
    let mut analyzer = Analyzer::new(options.clone());
    let mut pushed = Ok(());
    let io = (|| -> Result<()> {
        let name = &piece.name;
        let mut reader: Box<dyn Read> = match piece.range {
            None if name == "-" => Box::new(std::io::stdin().lock()),
            None => Box::new(File::open(&piece.path).with_context(|| format!("opening {name}"))?),
            Some((start, end)) => {
                let mut file = File::open(&piece.path).with_context(|| format!("opening {name}"))?;
                file.seek(SeekFrom::Start(start)).with_context(|| format!("reading {name}"))?;
                Box::new(file.take(end - start))
            }
        };
        match piece.kind {
            Kind::Whole | Kind::First => analyzer.begin_input(name),
            Kind::Later(format) => {
                let context = match (format, piece.range) {
                    (Format::Csv, Some((start, _))) => csv_header_before(&piece.path, start)
                        .with_context(|| format!("reading {name}"))?
                        .into_iter()
                        .collect(),
                    _ => Vec::new(),
                };
                let context: Vec<&str> = context.iter().map(String::as_str).collect();
                analyzer.begin_slice(name, format, &context);
            }
        }
        let mut buf = vec![0u8; CHUNK];
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let n = reader.read(&mut buf).with_context(|| format!("reading {name}"))?;
            if n == 0 {
                break;
            }
            if let Err(error) = analyzer.push(&buf[..n]) {
                pushed = Err(error);
                return Ok(());
            }
        }
        if piece.kind == Kind::Whole {
            pushed = analyzer.end_input();
        }
        Ok(())
    })();
    Done { analyzer, io, pushed }
}

/// The pieces to read: every input in order, large plain-text files cut in slices.
fn plan(files: &[PathBuf], options: &Options, threads: usize, min_slice: u64) -> Result<Vec<Piece>> {
    let mut pieces = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let whole = Piece { path: path.clone(), name: name.clone(), range: None, kind: Kind::Whole };
        match cuts(path, &name, options, threads, min_slice)? {
            Some((format, bounds)) => {
                for (k, w) in bounds.windows(2).enumerate() {
                    let kind = if k == 0 { Kind::First } else { Kind::Later(format) };
                    pieces.push(Piece { path: path.clone(), name: name.clone(), range: Some((w[0], w[1])), kind });
                }
            }
            None => pieces.push(whole),
        }
    }
    Ok(pieces)
}

/// Where to cut a file: its format and the slice bounds (start, cuts after line endings, end),
/// or `None` to read it whole.
fn cuts(
    path: &Path,
    name: &str,
    options: &Options,
    threads: usize,
    min_slice: u64,
) -> Result<Option<(Format, Vec<u64>)>> {
    if name == "-" || threads < 2 {
        return Ok(None);
    }
    // An input that cannot be opened is reported when its turn comes, as with one thread.
    let Ok(mut file) = File::open(path) else {
        return Ok(None);
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let slices = (len / min_slice.max(1)).min(threads as u64);
    if slices < 2 || !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file).take(HEAD_BYTES as u64).read_to_end(&mut head).with_context(|| format!("reading {name}"))?;
    let format = match input_format(&head, options) {
        Some(format @ (Format::LineProtocol | Format::Csv)) => format,
        _ => return Ok(None),
    };
    let mut bounds = vec![0];
    for k in 1..slices {
        let target = len / slices * k;
        match line_end_after(&mut file, target.max(*bounds.last().unwrap_or(&0)))
            .with_context(|| format!("reading {name}"))?
        {
            Some(cut) if cut < len && cut > *bounds.last().unwrap_or(&0) => bounds.push(cut),
            _ => {}
        }
    }
    bounds.push(len);
    Ok((bounds.len() > 2).then_some((format, bounds)))
}

/// The offset just after the first line ending at or after `from`, if any.
fn line_end_after(file: &mut File, from: u64) -> std::io::Result<Option<u64>> {
    file.seek(SeekFrom::Start(from))?;
    let mut buf = vec![0u8; HEAD_BYTES];
    let mut at = from;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(Some(at + i as u64 + 1));
        }
        at += n as u64;
    }
}

/// The last `influx -format csv` header line (first cell `name`) that starts before `end`.
fn csv_header_before(path: &Path, end: u64) -> std::io::Result<Option<String>> {
    const STARTS: [&[u8]; 2] = [b"\nname,", b"\n\"name\","];
    let mut file = File::open(path)?;
    // Blocks read backwards from `end`; each overlaps the one before it by a pattern's length,
    // so that a header start across their boundary is found.
    let mut hi = end;
    loop {
        let lo = hi.saturating_sub(HEAD_BYTES as u64);
        let mut buf = vec![0u8; usize::try_from(hi - lo).unwrap_or(0)];
        file.seek(SeekFrom::Start(lo))?;
        file.read_exact(&mut buf)?;
        if let Some(i) = STARTS.iter().filter_map(|p| memchr::memmem::rfind(&buf, p)).max() {
            return read_line(&mut file, lo + i as u64 + 1).map(Some);
        }
        if lo == 0 {
            let start = if buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
            let first = &buf[start..];
            if first.starts_with(b"name,") || first.starts_with(b"\"name\",") {
                return read_line(&mut file, start as u64).map(Some);
            }
            return Ok(None);
        }
        hi = lo + 8;
    }
}

/// The line starting at `start`, without its line ending.
fn read_line(file: &mut File, start: u64) -> std::io::Result<String> {
    file.seek(SeekFrom::Start(start))?;
    let mut line = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        match memchr::memchr(b'\n', &buf[..n]) {
            Some(i) => {
                line.extend_from_slice(&buf[..i]);
                break;
            }
            None => line.extend_from_slice(&buf[..n]),
        }
    }
    let line = line.strip_suffix(b"\r").unwrap_or(&line);
    Ok(String::from_utf8_lossy(line).into_owned())
}
