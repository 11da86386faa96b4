//! Uploads in progress: their temporary files (`{data_dir}/uploads/{upload_id}.part`), one
//! writer at a time per upload, and the rules for file names and media types.

use kontor_protocol::UploadId;
use kontor_protocol::media::MAX_FILE_NAME_CHARS;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Longest file name accepted before cleaning, in characters (longer ones are refused; cleaned
/// names are shortened to [`MAX_FILE_NAME_CHARS`]).
pub const MAX_RAW_NAME_CHARS: usize = 1024;
/// Longest extension kept when a long name is shortened.
const MAX_EXTENSION_CHARS: usize = 16;

/// The folder of temporary upload files, and which uploads are being written right now.
#[derive(Debug)]
pub struct Uploads {
    dir: PathBuf,
    busy: Arc<Mutex<HashSet<UploadId>>>,
}

/// Holds an upload for one request (a chunk, completing, cancelling); released when dropped.
#[derive(Debug)]
pub struct UploadLock {
    id: UploadId,
    busy: Arc<Mutex<HashSet<UploadId>>>,
}

impl Drop for UploadLock {
    fn drop(&mut self) {
        self.busy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl Uploads {
    /// Uses (and creates) `dir`.
    pub fn new(dir: PathBuf) -> io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            busy: Arc::default(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file the upload's bytes are appended to.
    pub fn part_path(&self, id: UploadId) -> PathBuf {
        self.dir.join(format!("{id}.part"))
    }

    /// A scratch file of the upload's (renditions being made), removed with it.
    pub fn work_path(&self, id: UploadId, what: &str) -> PathBuf {
        self.dir.join(format!("{id}.{what}.tmp"))
    }

    /// Takes the upload for this request; `None` while another request has it.
    pub fn lock(&self, id: UploadId) -> Option<UploadLock> {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        busy.insert(id).then(|| UploadLock {
            id,
            busy: self.busy.clone(),
        })
    }

    /// Deletes the upload's files, whatever of them exist (blocking).
    pub fn remove_files(&self, id: UploadId) {
        let prefix = format!("{id}.");
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                remove_quietly(&entry.path());
            }
        }
    }

    /// Deletes files of uploads that no longer exist (left by a crash), once older than `age`
    /// (blocking). Files of uploads in `live` are kept.
    pub fn sweep_orphans(&self, live: &HashSet<UploadId>, age: Duration) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let cutoff = SystemTime::now().checked_sub(age);
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let id = name
                .split('.')
                .next()
                .and_then(|id| id.parse::<UploadId>().ok());
            if id.is_some_and(|id| live.contains(&id)) {
                continue;
            }
            let old = match (entry.metadata().and_then(|m| m.modified()), cutoff) {
                (Ok(modified), Some(cutoff)) => modified < cutoff,
                _ => false,
            };
            if old {
                remove_quietly(&entry.path());
            }
        }
    }
}

fn remove_quietly(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("could not remove {}: {e}", path.display()),
    }
}

/// Writes `bytes` at `offset` of the part file, dropping anything beyond `offset` first (a write
/// that crashed before it was recorded), and makes it durable (blocking).
pub fn write_chunk(path: &Path, offset: u64, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    if file.metadata()?.len() != offset {
        file.set_len(offset)?;
    }
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.sync_data()
}

/// Size of the part file (0 when it does not exist).
pub fn part_len(path: &Path) -> io::Result<u64> {
    match File::open(path) {
        Ok(f) => Ok(f.metadata()?.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

/// Why a file name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing is left after cleaning.
    #[error("The file needs a name.")]
    Empty,
    /// Far too long even to clean.
    #[error("That file name is too long.")]
    TooLong,
}

/// Characters that can make a name display differently from what it is (right-to-left
/// overrides turn `invoice\u{202E}fdp.exe` into `invoiceexe.pdf` on screen).
fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Cleans a file name: only its last path component (both `/` and `\` separate), no control or
/// direction-changing characters, no leading dots or surrounding spaces, at most
/// [`MAX_FILE_NAME_CHARS`] characters (the extension is kept when shortening).
pub fn clean_name(raw: &str) -> Result<String, NameError> {
    if raw.chars().count() > MAX_RAW_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_deceptive(*c))
        .collect();
    let name = kept.trim().trim_start_matches('.').trim_start();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() <= MAX_FILE_NAME_CHARS {
        return Ok(name.to_owned());
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.chars().count() <= MAX_EXTENSION_CHARS);
    let short = match extension {
        Some(ext) => {
            let room = MAX_FILE_NAME_CHARS - ext.chars().count() - 1;
            let stem: String = name.chars().take(room).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        None => name
            .chars()
            .take(MAX_FILE_NAME_CHARS)
            .collect::<String>()
            .trim_end()
            .to_owned(),
    };
    Ok(short)
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b) || b == b'~' || b == b'\''
        })
}

/// The essence of a media type (`type/subtype`, lower case, parameters dropped), or `None` when
/// it is not one.
pub fn clean_mime(raw: &str) -> Option<String> {
    let essence = raw.split(';').next().unwrap_or_default().trim();
    if essence.len() > 127 {
        return None;
    }
    let (kind, sub) = essence.split_once('/')?;
    if !is_token(kind) || !is_token(sub) {
        return None;
    }
    let mime = essence.to_ascii_lowercase();
    // Old browsers and some tools say image/jpg.
    Some(if mime == "image/jpg" || mime == "image/pjpeg" {
        "image/jpeg".into()
    } else {
        mime
    })
}

/// The `Content-Type` a stored file is served with: its own type when a browser cannot run it
/// (documents, pictures, sound, video), `application/octet-stream` otherwise, so an uploaded
/// HTML or SVG file never executes in Kontor's origin.
pub fn served_mime(mime: &str) -> &str {
    const INERT: &[&str] = &[
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/json",
        "application/zip",
        "application/gzip",
        "application/x-7z-compressed",
        "application/x-tar",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
    ];
    const INERT_PREFIXES: &[&str] = &[
        "audio/",
        "video/",
        "application/vnd.openxmlformats-officedocument.",
        "application/vnd.oasis.opendocument.",
    ];
    if INERT.contains(&mime) || INERT_PREFIXES.iter().any(|p| mime.starts_with(p)) {
        mime
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_leading_dots() {
        assert_eq!(clean_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_name("C:\\x\\y.pdf").unwrap(), "y.pdf");
        assert_eq!(clean_name("  .hidden.txt ").unwrap(), "hidden.txt");
        assert_eq!(clean_name("a\u{0}b\nc\u{7f}.txt").unwrap(), "abc.txt");
        assert_eq!(
            clean_name("invoice\u{202E}fdp.exe").unwrap(),
            "invoicefdp.exe"
        );
        assert_eq!(clean_name("Résumé 📄.pdf").unwrap(), "Résumé 📄.pdf");
        assert_eq!(clean_name(""), Err(NameError::Empty));
        assert_eq!(clean_name("../.."), Err(NameError::Empty));
        assert_eq!(clean_name("dir/"), Err(NameError::Empty));
        assert_eq!(clean_name("\u{1}\u{2}"), Err(NameError::Empty));
        assert_eq!(
            clean_name(&"x".repeat(MAX_RAW_NAME_CHARS + 1)),
            Err(NameError::TooLong)
        );
    }

    #[test]
    fn long_names_are_shortened_keeping_the_extension() {
        let name = clean_name(&format!("{}.pdf", "é".repeat(300))).unwrap();
        assert_eq!(name.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(name.ends_with("é.pdf"));
        let name = clean_name(&"a".repeat(500)).unwrap();
        assert_eq!(name.chars().count(), MAX_FILE_NAME_CHARS);
    }

    #[test]
    fn media_types_are_cleaned_and_served_safely() {
        assert_eq!(
            clean_mime("Audio/WebM; codecs=opus").as_deref(),
            Some("audio/webm")
        );
        assert_eq!(clean_mime("image/jpg").as_deref(), Some("image/jpeg"));
        assert_eq!(clean_mime(""), None);
        assert_eq!(clean_mime("text"), None);
        assert_eq!(clean_mime("text/html\r\nX: y"), None);
        assert_eq!(served_mime("application/pdf"), "application/pdf");
        assert_eq!(served_mime("audio/ogg"), "audio/ogg");
        assert_eq!(served_mime("text/html"), "application/octet-stream");
        assert_eq!(served_mime("image/svg+xml"), "application/octet-stream");
    }

    #[test]
    fn chunks_land_at_their_offset_and_drop_unrecorded_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.part");
        write_chunk(&path, 0, b"hello ").unwrap();
        // Bytes written but never recorded (a crash) are overwritten.
        write_chunk(&path, 6, b"junk junk").unwrap();
        write_chunk(&path, 6, b"world").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello world");
        assert_eq!(part_len(&path).unwrap(), 11);
        assert_eq!(part_len(&dir.path().join("none")).unwrap(), 0);
    }

    #[test]
    fn one_request_at_a_time_per_upload() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path().to_owned()).unwrap();
        let id = UploadId::new();
        let held = uploads.lock(id).unwrap();
        assert!(uploads.lock(id).is_none());
        assert!(uploads.lock(UploadId::new()).is_some());
        drop(held);
        assert!(uploads.lock(id).is_some());
    }
}
