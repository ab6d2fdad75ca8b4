//! What an input's first bytes say it is: text, gzip (decompressed here, streaming, so every
//! host reads `influx_inspect export -compress` files), or a format the core does not read.
//!
//! Decompression is computation, not I/O: the core stays pure and builds for wasm32.

use flate2::write::MultiGzDecoder;
use std::io::Write;

/// Bytes looked at before deciding (the longest magic number below).
pub(crate) const SNIFF_BYTES: usize = 6;

/// Compressed bytes decoded at a time: deflate expands at most about 1032 times, so one step
/// holds at most a few MiB of text, however the input was chunked.
const GZIP_STEP: usize = 4096;

/// How an input's bytes become text.
#[derive(Debug)]
pub(crate) enum Decoding {
    /// Fewer than [`SNIFF_BYTES`] bytes seen so far: kept until there are enough.
    Undecided(Vec<u8>),
    /// Plain text.
    Text,
    /// A gzip stream (one or more members).
    Gzip(Box<MultiGzDecoder<Vec<u8>>>),
}

/// What the first bytes are.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Text,
    Gzip,
    /// A compression the core does not decode, by name.
    Unsupported(&'static str),
}

/// Looks at the magic number at the start of an input.
pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(&[0x1f, 0x8b]) {
        Sniffed::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Sniffed::Unsupported("zstd")
    } else if head.starts_with(b"BZh") {
        Sniffed::Unsupported("bzip2")
    } else if head.starts_with(b"\xfd7zXZ\0") {
        Sniffed::Unsupported("xz")
    } else if head.starts_with(b"PK\x03\x04") {
        Sniffed::Unsupported("zip")
    } else {
        Sniffed::Text
    }
}

/// A new gzip decoder.
pub(crate) fn gzip() -> Decoding {
    Decoding::Gzip(Box::new(MultiGzDecoder::new(Vec::new())))
}

/// Decodes `data` step by step, handing each piece of text to `text`. Errors are the
/// decoder's message, or the first error of `text`.
pub(crate) fn gunzip_steps<E>(
    decoder: &mut MultiGzDecoder<Vec<u8>>,
    data: &[u8],
    mut text: impl FnMut(&[u8]) -> Result<(), E>,
    invalid: impl Fn(String) -> E,
) -> Result<(), E> {
    for step in data.chunks(GZIP_STEP) {
        // flush() hands over what the step decoded instead of keeping it for the next write.
        decoder.write_all(step).and_then(|()| decoder.flush()).map_err(|e| invalid(e.to_string()))?;
        text(decoder.get_ref())?;
        decoder.get_mut().clear();
    }
    Ok(())
}

/// Ends a gzip stream: the rest of its text, or an error when it stops before its end.
pub(crate) fn gunzip_finish(decoder: &mut MultiGzDecoder<Vec<u8>>) -> Result<Vec<u8>, String> {
    decoder.try_finish().map_err(|e| e.to_string())?;
    Ok(std::mem::take(decoder.get_mut()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_name_their_format() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Sniffed::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0, 0]), Sniffed::Unsupported("zstd"));
        assert_eq!(sniff(b"ingress,service=a"), Sniffed::Text);
        assert_eq!(sniff(b""), Sniffed::Text);
    }
}
