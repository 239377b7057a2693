//! Gzip-compressed JSON exports, read during the crawl as the text they hold: the `.json.gz`
//! objects CloudTrail delivers to S3 (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
//! <account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<id>.json.gz`) and JSON Lines saved the same
//! way (`.jsonl.gz`). Other gzip files (rotated logs, archives) stay binary and are skipped.
//!
//! Owns decompressing one file with a bound: the decompressed text may not exceed
//! `--max-file-size` (a gzip bomb stops there and is reported, the scan goes on), and a truncated
//! or corrupt stream (bad header, bad deflate data, CRC or length mismatch, cut short) is an
//! error for that file. Concatenated gzip members (what `cat a.gz b.gz` makes) are read as one
//! text. Not here: what the text is (the sources sniff it as they sniff any file); the evidence
//! is the `.json.gz` file itself, with the line of the decompressed text (a CloudTrail object is
//! one line, so line 1, and the record's `eventID` tells it apart).

use std::io::Read;
use std::path::Path;

/// Whether the crawl decompresses this file: its name ends `.json.gz` or `.jsonl.gz`, in any
/// case.
pub fn is_gzip_json(path: &Path) -> bool {
    let Some(name) = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
    else {
        return false;
    };
    name.ends_with(".json.gz") || name.ends_with(".jsonl.gz")
}

/// Why a gzip file gave no text.
#[derive(Debug, PartialEq, Eq)]
pub enum GunzipError {
    /// The file could not be opened or read.
    Io(String),
    /// The decompressed text would be larger than the limit (the limit, in bytes).
    TooLarge(u64),
    /// Not a well-formed gzip stream (what the decoder said).
    Corrupt(String),
}

/// Decompresses the file at `path` into `buf` (cleared first), at most `limit` bytes of text.
pub fn gunzip(path: &Path, limit: u64, buf: &mut Vec<u8>) -> Result<(), GunzipError> {
    let file = std::fs::File::open(path).map_err(|e| GunzipError::Io(e.to_string()))?;
    gunzip_from(std::io::BufReader::new(file), limit, buf)
}

/// [`gunzip`] on any reader (tests, and the file above).
pub fn gunzip_from(reader: impl Read, limit: u64, buf: &mut Vec<u8>) -> Result<(), GunzipError> {
    buf.clear();
    let decoder = flate2::read::MultiGzDecoder::new(reader);
    // One byte past the limit tells "exactly the limit" from "more".
    let mut bounded = decoder.take(limit.saturating_add(1));
    match bounded.read_to_end(buf) {
        Ok(_) if buf.len() as u64 > limit => {
            buf.clear();
            Err(GunzipError::TooLarge(limit))
        }
        Ok(_) => Ok(()),
        Err(e) => {
            buf.clear();
            let what = match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    "truncated gzip stream (the file ends before the compressed data does)"
                        .to_string()
                }
                _ => format!("corrupt gzip stream ({e})"),
            };
            Err(GunzipError::Corrupt(what))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn names_that_are_decompressed() {
        assert!(is_gzip_json(Path::new(
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/05/111122223333_CloudTrail_eu-west-1_20261105T1015Z_a1B2c3D4e5F6g7H8.json.gz"
        )));
        assert!(is_gzip_json(Path::new("export.JSONL.GZ")));
        assert!(!is_gzip_json(Path::new("auth.log.2.gz")));
        assert!(!is_gzip_json(Path::new("backup.tar.gz")));
        assert!(!is_gzip_json(Path::new("records.json")));
    }

    #[test]
    fn text_comes_back_whole_and_members_concatenate() {
        let mut buf = vec![b'x'; 3];
        gunzip_from(&gz(b"{\"Records\":[]}")[..], 100, &mut buf).unwrap();
        assert_eq!(buf, b"{\"Records\":[]}");
        let mut two = gz(b"{\"a\":1}\n");
        two.extend(gz(b"{\"b\":2}\n"));
        gunzip_from(&two[..], 100, &mut buf).unwrap();
        assert_eq!(buf, b"{\"a\":1}\n{\"b\":2}\n");
        // Exactly the limit is allowed.
        gunzip_from(&gz(b"0123456789")[..], 10, &mut buf).unwrap();
        assert_eq!(buf.len(), 10);
        // An empty member is empty text.
        gunzip_from(&gz(b"")[..], 10, &mut buf).unwrap();
        assert!(buf.is_empty());
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        // 64 MiB of zeros compress to about 64 KiB; the reader stops one byte past 1 MiB.
        let zeros = vec![0u8; 64 << 20];
        let bomb = gz(&zeros);
        assert!(bomb.len() < 256 << 10);
        let mut buf = Vec::new();
        assert_eq!(
            gunzip_from(&bomb[..], 1 << 20, &mut buf),
            Err(GunzipError::TooLarge(1 << 20))
        );
        assert!(buf.is_empty());
        assert_eq!(
            gunzip_from(&gz(b"01234567890")[..], 10, &mut buf),
            Err(GunzipError::TooLarge(10))
        );
    }

    #[test]
    fn truncated_corrupt_and_foreign_streams_are_errors() {
        let good = gz(br#"{"Records":[{"eventName":"ChangePassword"}]}"#);
        let mut buf = Vec::new();
        // Cut in the middle of the deflate data.
        let cut = &good[..good.len() / 2];
        match gunzip_from(cut, 1000, &mut buf) {
            Err(GunzipError::Corrupt(m)) => assert!(m.contains("truncated"), "{m}"),
            other => panic!("{other:?}"),
        }
        // Cut inside the 8-byte trailer (CRC and length).
        assert!(matches!(
            gunzip_from(&good[..good.len() - 3], 1000, &mut buf),
            Err(GunzipError::Corrupt(_))
        ));
        // A flipped CRC byte.
        let mut bad_crc = good.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 0xFF;
        assert!(matches!(
            gunzip_from(&bad_crc[..], 1000, &mut buf),
            Err(GunzipError::Corrupt(_))
        ));
        // Not gzip at all (a `.json.gz` that is plain JSON).
        assert!(matches!(
            gunzip_from(&br#"{"Records":[]}"#[..], 1000, &mut buf),
            Err(GunzipError::Corrupt(_))
        ));
        // Only the magic bytes.
        assert!(matches!(
            gunzip_from(&[0x1f, 0x8b][..], 1000, &mut buf),
            Err(GunzipError::Corrupt(_))
        ));
        assert!(buf.is_empty());
    }
}
