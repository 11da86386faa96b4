//! Attachments: resumable uploads, photo checks and renditions, downloads, and messages that
//! carry them. Docs: `docs/media-api.md`.

use crate::harness::{Client, TestServer, peak_memory_kib, png_claiming};
use image::{DynamicImage, ImageFormat, RgbImage};
use kontor_protocol::api::{ApiError, ApiErrorCode};
use kontor_protocol::media::{
    Attachment, AttachmentKind, MAX_FILE_NAME_CHARS, MAX_UPLOAD_BYTES, NewUpload,
    UPLOAD_CHUNK_BYTES, UploadState,
};
use kontor_protocol::{
    AttachmentId, ClientFrame, ConversationId, ErrorCode, MessageId, Pos, ServerFrame, SessionToken,
};
use reqwest::Method;
use reqwest::header::HeaderMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A whole HTTP answer, headers included.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn ok<T: serde::de::DeserializeOwned>(&self, status: u16, what: &str) -> T {
        assert_eq!(self.status, status, "{what}: {}", self.text());
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{what}: not the expected JSON ({e}): {}", self.text()))
    }

    /// Asserts status and error code; answers the message.
    fn error(&self, status: u16, code: ApiErrorCode, what: &str) -> String {
        let err: ApiError = serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{what}: expected {status} {code:?}, got {} {} ({e})",
                self.status,
                self.text()
            )
        });
        assert_eq!(
            (self.status, err.code),
            (status, code),
            "{what}: {}",
            err.message
        );
        assert!(!err.message.is_empty(), "{what}: empty message");
        err.message
    }
}

async fn request(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &SessionToken,
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base))
        .bearer_auth(&token.0);
    if let Some((content_type, bytes)) = body {
        req = req.header("content-type", content_type).body(bytes);
    }
    let res = req.send().await.expect("http request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("http body").to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

fn new_upload(
    conversation_id: ConversationId,
    name: &str,
    mime: &str,
    kind: AttachmentKind,
    size: u64,
) -> NewUpload {
    NewUpload {
        conversation_id,
        name: name.into(),
        mime: mime.into(),
        size,
        kind,
        duration_ms: None,
    }
}

async fn announce(server: &TestServer, token: &SessionToken, req: &NewUpload) -> Reply {
    let body = serde_json::to_vec(req).unwrap();
    request(
        server,
        Method::POST,
        "/api/uploads",
        token,
        Some(("application/json", body)),
    )
    .await
}

async fn put_chunk(
    server: &TestServer,
    token: &SessionToken,
    id: impl std::fmt::Display,
    offset: u64,
    bytes: &[u8],
) -> Reply {
    request(
        server,
        Method::PUT,
        &format!("/api/uploads/{id}?offset={offset}"),
        token,
        Some(("application/octet-stream", bytes.to_vec())),
    )
    .await
}

async fn complete(server: &TestServer, token: &SessionToken, id: impl std::fmt::Display) -> Reply {
    request(
        server,
        Method::POST,
        &format!("/api/uploads/{id}/complete"),
        token,
        None,
    )
    .await
}

async fn download(
    server: &TestServer,
    token: &SessionToken,
    id: AttachmentId,
    variant: &str,
) -> Reply {
    request(
        server,
        Method::GET,
        &format!("/api/attachments/{id}?variant={variant}"),
        token,
        None,
    )
    .await
}

/// Announces and sends all bytes in chunks; answers the completion reply.
async fn upload_bytes(
    server: &TestServer,
    token: &SessionToken,
    req: &NewUpload,
    bytes: &[u8],
) -> Reply {
    let state: UploadState = announce(server, token, req).await.ok(201, "announce");
    let mut offset = 0u64;
    for chunk in bytes.chunks(UPLOAD_CHUNK_BYTES as usize) {
        let after: UploadState = put_chunk(server, token, state.id, offset, chunk)
            .await
            .ok(200, "chunk");
        offset += chunk.len() as u64;
        assert_eq!(after.received, offset);
    }
    complete(server, token, state.id).await
}

/// Uploads and asserts the attachment was made.
async fn upload(
    server: &TestServer,
    token: &SessionToken,
    req: &NewUpload,
    bytes: &[u8],
) -> Attachment {
    upload_bytes(server, token, req, bytes)
        .await
        .ok(201, &format!("upload {}", req.name))
}

/// Sends a message with an attachment; answers the ack or the error frame.
async fn send_with(
    client: &mut Client,
    conversation_id: ConversationId,
    body: &str,
    attachment: Option<AttachmentId>,
) -> (MessageId, ServerFrame) {
    let id = MessageId::new();
    client
        .send(&ClientFrame::Send {
            id,
            conversation_id,
            body: body.into(),
            attachment,
        })
        .await;
    let answer = client
        .recv_until(|f| {
            matches!(f, ServerFrame::Ack { id: a, .. } if *a == id)
                || matches!(f, ServerFrame::Error { message_id: Some(m), .. } if *m == id)
        })
        .await;
    (id, answer)
}

/// Every file under `dir` (none when it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn media_files(server: &TestServer) -> Vec<PathBuf> {
    files_under(&server.data_dir.join("media"))
}

fn upload_files(server: &TestServer) -> Vec<PathBuf> {
    files_under(&server.data_dir.join("uploads"))
}

fn encode(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut out), format)
        .expect("encode test image");
    out
}

/// Noise compresses badly: a PNG of a few MiB from a modest picture.
fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let picture = RgbImage::from_fn(width, height, |_, _| {
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        };
        image::Rgb([next(), next(), next()])
    });
    encode(&DynamicImage::ImageRgb8(picture), ImageFormat::Png)
}

fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("downloaded image decodes")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn photo_upload_resumes_reaches_the_peer_and_downloads_in_three_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let mut pair = server.pair().await;
    let (mut b, _) = server.connect(&pair.bob.token, Pos(0)).await;
    let alice = pair.alice.token.clone();

    let png = noisy_png(1600, 600);
    let chunk = UPLOAD_CHUNK_BYTES as usize;
    assert!(
        png.len() > 2 * chunk && png.len() <= 3 * chunk,
        "{}",
        png.len()
    );
    let req = new_upload(
        pair.chat.id,
        "holiday.png",
        "image/png",
        AttachmentKind::Photo,
        png.len() as u64,
    );
    let state: UploadState = announce(&server, &alice, &req).await.ok(201, "announce");
    assert_eq!((state.received, state.size), (0, png.len() as u64));

    // One chunk, then the connection "drops": the client asks where to resume.
    put_chunk(&server, &alice, state.id, 0, &png[..chunk])
        .await
        .ok::<UploadState>(200, "first chunk");
    let resumed: UploadState = request(
        &server,
        Method::GET,
        &format!("/api/uploads/{}", state.id),
        &alice,
        None,
    )
    .await
    .ok(200, "upload state");
    assert_eq!(resumed.received, chunk as u64);
    let mut offset = resumed.received as usize;
    while offset < png.len() {
        let end = (offset + chunk).min(png.len());
        let after: UploadState =
            put_chunk(&server, &alice, state.id, offset as u64, &png[offset..end])
                .await
                .ok(200, "next chunk");
        assert_eq!(after.received, end as u64);
        offset = end;
    }
    let attachment: Attachment = complete(&server, &alice, state.id)
        .await
        .ok(201, "complete");
    assert_eq!(attachment.kind, AttachmentKind::Photo);
    assert_eq!(attachment.name, "holiday.png");
    assert_eq!(attachment.mime, "image/png");
    assert_eq!(
        (attachment.width, attachment.height),
        (Some(1600), Some(600))
    );
    // Completing again (a lost answer) gives the same attachment.
    let again: Attachment = complete(&server, &alice, state.id)
        .await
        .ok(201, "complete again");
    assert_eq!(again, attachment);
    // Its state says everything arrived (for a client that lost the answer and asks).
    let finished: UploadState = request(
        &server,
        Method::GET,
        &format!("/api/uploads/{}", state.id),
        &alice,
        None,
    )
    .await
    .ok(200, "state of a completed upload");
    assert_eq!(
        (finished.received, finished.size),
        (png.len() as u64, png.len() as u64)
    );
    // Bob cannot see it either way.
    request(
        &server,
        Method::GET,
        &format!("/api/uploads/{}", state.id),
        &pair.bob.token,
        None,
    )
    .await
    .error(404, ApiErrorCode::NotFound, "another's completed upload");
    complete(&server, &pair.bob.token, state.id).await.error(
        404,
        ApiErrorCode::NotFound,
        "another's completed upload",
    );
    assert!(
        upload_files(&server).is_empty(),
        "{:?}",
        upload_files(&server)
    );

    // A photo with an empty caption reaches Bob live, attachment and all.
    let (id, ack) = send_with(&mut pair.a, pair.chat.id, "", Some(attachment.id)).await;
    assert!(matches!(ack, ServerFrame::Ack { .. }), "{ack:?}");
    let got = b.recv_messages(1).await;
    assert_eq!(got[0].id, id);
    assert_eq!(got[0].body, "");
    assert_eq!(got[0].attachment.as_ref(), Some(&attachment));

    // Bob downloads all three renditions.
    let original = download(&server, &pair.bob.token, attachment.id, "original").await;
    assert_eq!(original.status, 200, "{}", original.text());
    assert_eq!(original.header("content-type"), "image/png");
    assert_eq!(
        original.header("cache-control"),
        "private, max-age=31536000, immutable"
    );
    assert!(
        original
            .header("content-disposition")
            .contains("filename*=UTF-8''holiday.png"),
        "{:?}",
        original.headers
    );
    assert_eq!(original.body.len() as u64, attachment.size);
    let picture = decode(&original.body);
    assert_eq!((picture.width(), picture.height()), (1600, 600));
    let preview = download(&server, &pair.bob.token, attachment.id, "preview").await;
    assert_eq!(preview.status, 200);
    assert_eq!(preview.header("content-type"), "image/jpeg");
    let picture = decode(&preview.body);
    assert_eq!((picture.width(), picture.height()), (1280, 480));
    let thumb = download(&server, &pair.bob.token, attachment.id, "thumb").await;
    assert_eq!(thumb.status, 200);
    let picture = decode(&thumb.body);
    assert!(picture.width() <= 320 && picture.height() <= 320);
    assert_eq!((picture.width(), picture.height()), (320, 120));
    // A cached copy is confirmed without sending the bytes again.
    let etag = thumb.header("etag").to_owned();
    let res = reqwest::Client::new()
        .get(format!(
            "{}/api/attachments/{}?variant=thumb",
            server.base, attachment.id
        ))
        .bearer_auth(&pair.bob.token.0)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);
    // An unknown variant is a clear 400.
    download(&server, &pair.bob.token, attachment.id, "huge")
        .await
        .error(400, ApiErrorCode::BadRequest, "unknown variant");

    // Catch-up and history carry the attachment too.
    drop(b);
    let (mut b, frames) = server.connect(&pair.bob.token, Pos(0)).await;
    let caught = crate::harness::messages_in(&frames);
    let m = caught
        .iter()
        .find(|m| m.id == id)
        .expect("message in catch-up");
    assert_eq!(m.attachment.as_ref(), Some(&attachment));
    let request_id = kontor_protocol::RequestId::new();
    b.send(&ClientFrame::History {
        request_id,
        conversation_id: pair.chat.id,
        before: kontor_protocol::Seq(u64::MAX >> 1),
        limit: 10,
    })
    .await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::History { .. }))
        .await
    {
        ServerFrame::History { messages, .. } => {
            assert_eq!(
                messages.last().unwrap().attachment.as_ref(),
                Some(&attachment)
            );
        }
        _ => unreachable!(),
    }
}

/// A JPEG with an EXIF block that holds GPS coordinates and "rotate 90° clockwise".
fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let picture = RgbImage::from_fn(width, height, |x, _| image::Rgb([(x * 4) as u8, 90, 160]));
    let jpeg = encode(&DynamicImage::ImageRgb8(picture), ImageFormat::Jpeg);
    // TIFF, little endian: IFD0 { Orientation = 6, GPSInfo -> GPS IFD }, GPS IFD { N, 59/1 19/1
    // 4500/100 }.
    let mut tiff: Vec<u8> = Vec::new();
    tiff.extend_from_slice(b"II\x2a\x00");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len(), 38);
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0x02, 0x00, 5, 0, 3, 0, 0, 0]);
    tiff.extend_from_slice(&68u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len(), 68);
    for (n, d) in [(59u32, 1u32), (19, 1), (4500, 100)] {
        tiff.extend_from_slice(&n.to_le_bytes());
        tiff.extend_from_slice(&d.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test]
async fn jpeg_location_data_is_gone_from_every_download() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let jpeg = jpeg_with_gps(64, 32);
    assert!(contains(&jpeg, b"Exif"));
    let req = new_upload(
        pair.chat.id,
        "IMG_0001.JPG",
        "image/jpeg",
        AttachmentKind::Photo,
        jpeg.len() as u64,
    );
    let attachment = upload(&server, &pair.alice.token, &req, &jpeg).await;
    assert_eq!(attachment.mime, "image/jpeg");
    // The rotation the EXIF block asked for is applied to the pixels.
    assert_eq!((attachment.width, attachment.height), (Some(32), Some(64)));
    for variant in ["original", "preview", "thumb"] {
        let got = download(&server, &pair.bob.token, attachment.id, variant).await;
        assert_eq!(got.status, 200, "{variant}: {}", got.text());
        assert_eq!(got.header("content-type"), "image/jpeg");
        assert!(!contains(&got.body, b"Exif"), "{variant} still has EXIF");
        let picture = decode(&got.body);
        assert_eq!((picture.width(), picture.height()), (32, 64), "{variant}");
    }
    // Nothing stored anywhere still holds the EXIF block.
    for file in media_files(&server) {
        assert!(
            !contains(&std::fs::read(&file).unwrap(), b"Exif"),
            "{file:?}"
        );
    }
}

#[tokio::test]
async fn documents_download_with_their_name_and_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let name = "Quarterly report \"Q3\" é.pdf";
    let req = new_upload(
        pair.chat.id,
        name,
        "application/pdf",
        AttachmentKind::Document,
        pdf.len() as u64,
    );
    let attachment = upload(&server, &pair.alice.token, &req, &pdf).await;
    assert_eq!(attachment.kind, AttachmentKind::Document);
    assert_eq!(attachment.name, name);
    assert_eq!(attachment.mime, "application/pdf");
    assert_eq!(attachment.size, pdf.len() as u64);
    assert_eq!((attachment.width, attachment.height), (None, None));

    let got = download(&server, &pair.bob.token, attachment.id, "original").await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.body, pdf);
    assert_eq!(got.header("content-type"), "application/pdf");
    assert_eq!(
        got.header("content-disposition"),
        "attachment; filename=\"Quarterly report _Q3_ _.pdf\"; \
         filename*=UTF-8''Quarterly%20report%20%22Q3%22%20%C3%A9.pdf"
    );
    // Documents have no renditions.
    download(&server, &pair.bob.token, attachment.id, "thumb")
        .await
        .error(404, ApiErrorCode::NotFound, "thumb of a document");
    assert_eq!(media_files(&server).len(), 1);

    // The same bytes again are a new attachment but not a second file.
    let twice = upload(&server, &pair.bob.token, &req, &pdf).await;
    assert_ne!(twice.id, attachment.id);
    assert_eq!(media_files(&server).len(), 1);

    // A web page is handed out as bytes, never as something a browser would run.
    let html = b"<script>alert(document.cookie)</script>".to_vec();
    let req = new_upload(
        pair.chat.id,
        "page.html",
        "text/html",
        AttachmentKind::Document,
        html.len() as u64,
    );
    let page = upload(&server, &pair.alice.token, &req, &html).await;
    assert_eq!(page.mime, "text/html");
    let got = download(&server, &pair.bob.token, page.id, "original").await;
    assert_eq!(got.header("content-type"), "application/octet-stream");
    assert!(got.header("content-security-policy").contains("sandbox"));
    assert!(got.header("content-disposition").starts_with("attachment;"));
}

#[tokio::test]
async fn path_like_names_come_back_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let bytes = b"plain text".to_vec();
    let long = format!("{}.txt", "n".repeat(400));
    for (raw, clean) in [
        ("../../etc/passwd", "passwd".to_owned()),
        ("C:\\x\\y.pdf", "y.pdf".to_owned()),
        ("..\\..\\.bashrc", "bashrc".to_owned()),
        ("bad\u{0}\nname\u{202E}.txt", "badname.txt".to_owned()),
        (
            long.as_str(),
            format!("{}.txt", "n".repeat(MAX_FILE_NAME_CHARS - 4)),
        ),
    ] {
        let req = new_upload(
            pair.chat.id,
            raw,
            "text/plain",
            AttachmentKind::Document,
            bytes.len() as u64,
        );
        let attachment = upload(&server, &pair.alice.token, &req, &bytes).await;
        assert_eq!(attachment.name, clean, "{raw:?}");
        let got = download(&server, &pair.bob.token, attachment.id, "original").await;
        let disposition = got.header("content-disposition");
        assert!(
            !disposition.contains('/') && !disposition.contains('\\'),
            "{disposition}"
        );
    }
    for raw in ["", "../", "...", "a/b/", "\u{1}\u{2}"] {
        let req = new_upload(pair.chat.id, raw, "text/plain", AttachmentKind::Document, 5);
        announce(&server, &pair.alice.token, &req).await.error(
            400,
            ApiErrorCode::InvalidField,
            &format!("name {raw:?}"),
        );
    }
    assert!(upload_files(&server).is_empty());
}

#[tokio::test]
async fn announcements_out_of_bounds_are_refused_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let token = &pair.alice.token;
    let chat = pair.chat.id;
    let too_big = new_upload(
        chat,
        "movie.mp4",
        "video/mp4",
        AttachmentKind::Document,
        MAX_UPLOAD_BYTES + 1,
    );
    announce(&server, token, &too_big)
        .await
        .error(413, ApiErrorCode::TooLarge, "over 100 MiB");
    let empty = new_upload(chat, "e.txt", "text/plain", AttachmentKind::Document, 0);
    announce(&server, token, &empty)
        .await
        .error(413, ApiErrorCode::TooLarge, "empty file");
    let svg = new_upload(chat, "x.svg", "image/svg+xml", AttachmentKind::Photo, 10);
    announce(&server, token, &svg)
        .await
        .error(415, ApiErrorCode::InvalidImage, "svg photo");
    let mut voice = new_upload(
        chat,
        "voice.webm",
        "audio/webm;codecs=opus",
        AttachmentKind::Voice,
        10,
    );
    voice.duration_ms = Some(15 * 60 * 1000 + 1);
    announce(&server, token, &voice).await.error(
        400,
        ApiErrorCode::InvalidField,
        "voice over 15 minutes",
    );
    voice.duration_ms = Some(4_200);
    voice.mime = "text/plain".into();
    announce(&server, token, &voice).await.error(
        400,
        ApiErrorCode::InvalidField,
        "voice that is not audio",
    );
    assert!(upload_files(&server).is_empty());
    assert!(media_files(&server).is_empty());

    // A valid voice note keeps its length.
    voice.mime = "audio/webm;codecs=opus".into();
    let sound = vec![0x1A, 0x45, 0xDF, 0xA3, 0, 0, 0, 0, 0, 0];
    voice.size = sound.len() as u64;
    let note = upload(&server, token, &voice, &sound).await;
    assert_eq!(note.kind, AttachmentKind::Voice);
    assert_eq!(note.mime, "audio/webm");
    assert_eq!(note.duration_ms, Some(4_200));
    let got = download(&server, &pair.bob.token, note.id, "original").await;
    assert_eq!(got.header("content-type"), "audio/webm");
    assert_eq!(got.body, sound);
    // A recorder that gave no type at all still gets its note through.
    voice.mime = String::new();
    let untyped = upload(&server, token, &voice, &sound).await;
    assert_eq!(untyped.mime, "application/octet-stream");
}

#[tokio::test]
async fn text_posing_as_a_photo_is_refused_and_nothing_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let before = media_files(&server);
    let text = b"this is not a picture at all, just some words".to_vec();
    let req = new_upload(
        pair.chat.id,
        "cat.png",
        "image/png",
        AttachmentKind::Photo,
        text.len() as u64,
    );
    let state: UploadState = announce(&server, &pair.alice.token, &req)
        .await
        .ok(201, "announce");
    put_chunk(&server, &pair.alice.token, state.id, 0, &text)
        .await
        .ok::<UploadState>(200, "chunk");
    let message = complete(&server, &pair.alice.token, state.id).await.error(
        415,
        ApiErrorCode::InvalidImage,
        "text as photo",
    );
    assert!(
        message.contains("not a JPEG, PNG, WebP or GIF"),
        "{message}"
    );
    assert_eq!(media_files(&server), before);
    assert!(
        upload_files(&server).is_empty(),
        "{:?}",
        upload_files(&server)
    );
    // The upload is gone too: nothing is kept half.
    request(
        &server,
        Method::GET,
        &format!("/api/uploads/{}", state.id),
        &pair.alice.token,
        None,
    )
    .await
    .error(404, ApiErrorCode::NotFound, "refused upload");

    // A PNG announced as a JPEG is refused the same way.
    let png = encode(
        &DynamicImage::ImageRgb8(RgbImage::new(8, 8)),
        ImageFormat::Png,
    );
    let req = new_upload(
        pair.chat.id,
        "cat.jpg",
        "image/jpeg",
        AttachmentKind::Photo,
        png.len() as u64,
    );
    upload_bytes(&server, &pair.alice.token, &req, &png)
        .await
        .error(415, ApiErrorCode::InvalidImage, "png announced as jpeg");
    assert!(media_files(&server).is_empty());
}

#[tokio::test]
async fn a_corrupt_png_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let png = noisy_png(200, 200);
    let broken = &png[..png.len() / 2];
    let req = new_upload(
        pair.chat.id,
        "broken.png",
        "image/png",
        AttachmentKind::Photo,
        broken.len() as u64,
    );
    let message = upload_bytes(&server, &pair.alice.token, &req, broken)
        .await
        .error(415, ApiErrorCode::InvalidImage, "half a png");
    assert!(message.contains("damaged"), "{message}");
    assert!(media_files(&server).is_empty());
    assert!(upload_files(&server).is_empty());
}

#[tokio::test]
async fn decompression_bombs_are_refused_from_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let before = peak_memory_kib(server.pid());
    for (width, height) in [(20_000, 20_000), (8_000, 8_000), (1, 60_000_000)] {
        let bomb = png_claiming(width, height);
        let req = new_upload(
            pair.chat.id,
            "bomb.png",
            "image/png",
            AttachmentKind::Photo,
            bomb.len() as u64,
        );
        let started = Instant::now();
        let message = upload_bytes(&server, &pair.alice.token, &req, &bomb)
            .await
            .error(
                415,
                ApiErrorCode::InvalidImage,
                &format!("{width}×{height}"),
            );
        assert!(message.contains("megapixels"), "{message}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    if let (Some(before), Some(after)) = (before, peak_memory_kib(server.pid())) {
        // Decoding even the smallest of them would take 64 MB or more.
        assert!(
            after.saturating_sub(before) < 48 * 1024,
            "peak memory grew from {before} KiB to {after} KiB"
        );
    }
    assert!(media_files(&server).is_empty());
    assert!(upload_files(&server).is_empty());
}

#[tokio::test]
async fn uploads_belong_to_their_uploader() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let req = new_upload(
        pair.chat.id,
        "a.txt",
        "text/plain",
        AttachmentKind::Document,
        4,
    );
    let state: UploadState = announce(&server, &pair.alice.token, &req)
        .await
        .ok(201, "announce");
    // Bob is in the same chat, but the upload is Alice's.
    let bob = &pair.bob.token;
    let path = format!("/api/uploads/{}", state.id);
    request(&server, Method::GET, &path, bob, None).await.error(
        404,
        ApiErrorCode::NotFound,
        "GET another's upload",
    );
    put_chunk(&server, bob, state.id, 0, b"evil").await.error(
        404,
        ApiErrorCode::NotFound,
        "PUT another's upload",
    );
    complete(&server, bob, state.id).await.error(
        404,
        ApiErrorCode::NotFound,
        "complete another's upload",
    );
    request(&server, Method::DELETE, &path, bob, None)
        .await
        .error(404, ApiErrorCode::NotFound, "DELETE another's upload");
    // Ids that are not ids are not found either.
    request(&server, Method::GET, "/api/uploads/not-an-id", bob, None)
        .await
        .error(404, ApiErrorCode::NotFound, "bad id");
    // Alice's upload is untouched.
    let mine: UploadState = request(&server, Method::GET, &path, &pair.alice.token, None)
        .await
        .ok(200, "own upload");
    assert_eq!(mine.received, 0);
    assert!(upload_files(&server).is_empty());

    // Cancelling removes the partial file and the upload.
    put_chunk(&server, &pair.alice.token, state.id, 0, b"ab")
        .await
        .ok::<UploadState>(200, "chunk");
    assert_eq!(upload_files(&server).len(), 1);
    let res = request(&server, Method::DELETE, &path, &pair.alice.token, None).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert!(upload_files(&server).is_empty());
    request(&server, Method::GET, &path, &pair.alice.token, None)
        .await
        .error(404, ApiErrorCode::NotFound, "cancelled upload");
}

#[tokio::test]
async fn outsiders_can_neither_upload_to_nor_download_from_a_chat() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let carol = server.register("carol", "Carol").await;
    let bytes = b"secret plans".to_vec();
    let req = new_upload(
        pair.chat.id,
        "plans.txt",
        "text/plain",
        AttachmentKind::Document,
        bytes.len() as u64,
    );
    let attachment = upload(&server, &pair.alice.token, &req, &bytes).await;
    download(&server, &carol.token, attachment.id, "original")
        .await
        .error(404, ApiErrorCode::NotFound, "outsider download");
    // Exactly as for an attachment that does not exist.
    download(&server, &carol.token, AttachmentId::new(), "original")
        .await
        .error(404, ApiErrorCode::NotFound, "unknown attachment");
    announce(&server, &carol.token, &req).await.error(
        404,
        ApiErrorCode::NotFound,
        "outsider announce",
    );
    let unknown = new_upload(
        ConversationId::new(),
        "x.txt",
        "text/plain",
        AttachmentKind::Document,
        3,
    );
    announce(&server, &carol.token, &unknown).await.error(
        404,
        ApiErrorCode::NotFound,
        "unknown conversation",
    );
    // Without a session, nothing at all.
    let res = reqwest::Client::new()
        .get(format!("{}/api/attachments/{}", server.base, attachment.id))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
}

#[tokio::test]
async fn only_your_own_attachment_for_this_chat_can_be_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let mut pair = server.pair().await;
    let carol = server.register("carol", "Carol").await;
    let bytes = b"bob's file".to_vec();
    let req = new_upload(
        pair.chat.id,
        "b.txt",
        "text/plain",
        AttachmentKind::Document,
        bytes.len() as u64,
    );
    let bobs = upload(&server, &pair.bob.token, &req, &bytes).await;
    // Alice may download it (she is in the chat) but not send it as hers.
    let (_, answer) = send_with(&mut pair.a, pair.chat.id, "look", Some(bobs.id)).await;
    assert!(
        matches!(
            answer,
            ServerFrame::Error {
                code: ErrorCode::Invalid,
                ..
            }
        ),
        "{answer:?}"
    );
    // Nor an attachment that does not exist.
    let (_, answer) = send_with(&mut pair.a, pair.chat.id, "", Some(AttachmentId::new())).await;
    assert!(matches!(answer, ServerFrame::Error { .. }), "{answer:?}");
    // Her own upload to another chat does not go here either.
    let other = pair.a.start_chat("carol").await;
    let req = new_upload(other.id, "c.txt", "text/plain", AttachmentKind::Document, 3);
    let elsewhere = upload(&server, &pair.alice.token, &req, b"abc").await;
    let (_, answer) = send_with(&mut pair.a, pair.chat.id, "", Some(elsewhere.id)).await;
    assert!(matches!(answer, ServerFrame::Error { .. }), "{answer:?}");
    // Carol, who got it in her chat, cannot send it on in hers as her own either.
    let (mut c, _) = server.connect(&carol.token, Pos(0)).await;
    let (_, answer) = send_with(&mut c, other.id, "", Some(elsewhere.id)).await;
    assert!(matches!(answer, ServerFrame::Error { .. }), "{answer:?}");
    // An empty message without an attachment is still refused.
    let (_, answer) = send_with(&mut pair.a, pair.chat.id, "  ", None).await;
    assert!(
        matches!(
            answer,
            ServerFrame::Error {
                code: ErrorCode::Invalid,
                ..
            }
        ),
        "{answer:?}"
    );

    // Her own one goes; a resend with the same id must carry the same attachment.
    let req = new_upload(
        pair.chat.id,
        "a.txt",
        "text/plain",
        AttachmentKind::Document,
        3,
    );
    let mine = upload(&server, &pair.alice.token, &req, b"abc").await;
    let id = MessageId::new();
    for _ in 0..2 {
        pair.a
            .send(&ClientFrame::Send {
                id,
                conversation_id: pair.chat.id,
                body: "see attached".into(),
                attachment: Some(mine.id),
            })
            .await;
        let ack = pair
            .a
            .recv_until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. }))
            .await;
        assert!(
            matches!(ack, ServerFrame::Ack { id: a, .. } if a == id),
            "{ack:?}"
        );
    }
    for attachment in [None, Some(elsewhere.id)] {
        pair.a
            .send(&ClientFrame::Send {
                id,
                conversation_id: pair.chat.id,
                body: "see attached".into(),
                attachment,
            })
            .await;
        let answer = pair
            .a
            .recv_until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Error { .. }))
            .await;
        assert!(
            matches!(
                answer,
                ServerFrame::Error {
                    code: ErrorCode::Conflict,
                    ..
                }
            ),
            "{answer:?}"
        );
    }
}

#[tokio::test]
async fn chunks_must_come_in_order_and_within_the_announced_size() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let token = &pair.alice.token;
    let req = new_upload(
        pair.chat.id,
        "n.txt",
        "text/plain",
        AttachmentKind::Document,
        10,
    );
    let state: UploadState = announce(&server, token, &req).await.ok(201, "announce");
    // No offset at all is a bad request.
    request(
        &server,
        Method::PUT,
        &format!("/api/uploads/{}", state.id),
        token,
        Some(("application/octet-stream", b"x".to_vec())),
    )
    .await
    .error(400, ApiErrorCode::BadRequest, "no offset");
    let message = put_chunk(&server, token, state.id, 5, b"12345")
        .await
        .error(409, ApiErrorCode::Conflict, "offset ahead");
    assert!(message.contains("0 of 10"), "{message}");
    put_chunk(&server, token, state.id, 0, b"12345")
        .await
        .ok::<UploadState>(200, "first half");
    // The same chunk again (a retry after a lost answer) is a conflict that names the offset.
    let message = put_chunk(&server, token, state.id, 0, b"12345")
        .await
        .error(409, ApiErrorCode::Conflict, "offset behind");
    assert!(message.contains("offset 5"), "{message}");
    complete(&server, token, state.id).await.error(
        409,
        ApiErrorCode::Conflict,
        "complete with bytes missing",
    );
    put_chunk(&server, token, state.id, 5, b"678901")
        .await
        .error(413, ApiErrorCode::TooLarge, "beyond the announced size");
    // A chunk far larger than allowed is refused with a JSON error too.
    let huge = vec![0u8; UPLOAD_CHUNK_BYTES as usize * 2];
    put_chunk(&server, token, state.id, 5, &huge).await.error(
        413,
        ApiErrorCode::TooLarge,
        "oversized chunk",
    );
    // Nothing of the refused chunks was kept.
    let after: UploadState = put_chunk(&server, token, state.id, 5, b"67890")
        .await
        .ok(200, "second half");
    assert_eq!(after.received, 10);
    let done: Attachment = complete(&server, token, state.id).await.ok(201, "complete");
    let got = download(&server, &pair.bob.token, done.id, "original").await;
    assert_eq!(got.body, b"1234567890");
}

#[tokio::test]
async fn teammates_share_uploads_in_business_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let team = server.team().await;
    let customer = server.register("cora", "Cora Customer").await;
    let (mut cust, _) = server.connect(&customer.token, Pos(0)).await;
    let (mut owner, _) = server.connect(&team.owner.token, Pos(0)).await;
    let chat = cust.start_chat("shop").await;

    // The customer sends a photo without a caption; the team sees "Photo" in the inbox.
    let png = encode(
        &DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 30, image::Rgb([1, 2, 3]))),
        ImageFormat::Png,
    );
    let req = new_upload(
        chat.id,
        "receipt.png",
        "image/png",
        AttachmentKind::Photo,
        png.len() as u64,
    );
    let photo = upload(&server, &customer.token, &req, &png).await;
    let (_, ack) = send_with(&mut cust, chat.id, "", Some(photo.id)).await;
    assert!(matches!(ack, ServerFrame::Ack { .. }), "{ack:?}");
    let item = owner
        .inbox_item_where(chat.id, |i| !i.preview.is_empty())
        .await;
    assert_eq!(item.preview, "Photo");
    // The team may download it.
    let got = download(&server, &team.agent.token, photo.id, "thumb").await;
    assert_eq!(got.status, 200, "{}", got.text());

    // The agent uploads a document to the conversation; the owner sends it for the business.
    let doc = b"price list".to_vec();
    let req = new_upload(
        chat.id,
        "prices.txt",
        "text/plain",
        AttachmentKind::Document,
        doc.len() as u64,
    );
    let prices = upload(&server, &team.agent.token, &req, &doc).await;
    let (id, ack) = send_with(&mut owner, chat.id, "Here you go", Some(prices.id)).await;
    assert!(matches!(ack, ServerFrame::Ack { .. }), "{ack:?}");
    let got = cust.message_with_id(id).await;
    assert_eq!(got.sender, team.party());
    assert_eq!(got.attachment.as_ref(), Some(&prices));
    let file = download(&server, &customer.token, prices.id, "original").await;
    assert_eq!(file.body, doc);
    // The customer cannot pass the business's attachment off as their own.
    let (_, answer) = send_with(&mut cust, chat.id, "", Some(prices.id)).await;
    assert!(matches!(answer, ServerFrame::Error { .. }), "{answer:?}");
}

#[tokio::test]
async fn unfinished_uploads_are_removed_after_a_day_and_fresh_ones_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let pair = server.pair().await;
    let token = pair.alice.token.clone();
    let req = new_upload(
        pair.chat.id,
        "big.bin",
        "application/octet-stream",
        AttachmentKind::Document,
        100,
    );
    let stale: UploadState = announce(&server, &token, &req).await.ok(201, "announce");
    let fresh: UploadState = announce(&server, &token, &req).await.ok(201, "announce");
    for id in [stale.id, fresh.id] {
        put_chunk(&server, &token, id, 0, &[7u8; 40])
            .await
            .ok::<UploadState>(200, "chunk");
    }
    server.kill();

    // A day passes for one of them; a crash also left a file without an upload behind.
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(25 * 60 * 60);
    let day_ago_ms = day_ago
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let db = rusqlite::Connection::open(dir.path().join("kontor.sqlite3")).unwrap();
    db.execute(
        "UPDATE uploads SET created_at = ?1 WHERE id = ?2",
        rusqlite::params![day_ago_ms, stale.id.0],
    )
    .unwrap();
    drop(db);
    let uploads = dir.path().join("uploads");
    let orphan = uploads.join(format!("{}.part", kontor_protocol::UploadId::new()));
    let file = std::fs::File::create(&orphan).unwrap();
    file.set_modified(day_ago).unwrap();
    drop(file);

    // The cleanup runs when the server starts (and every 15 minutes after).
    let server = TestServer::start(dir.path());
    let stale_part = uploads.join(format!("{}.part", stale.id));
    let deadline = Instant::now() + Duration::from_secs(10);
    while (stale_part.exists() || orphan.exists()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!stale_part.exists() && !orphan.exists());
    request(
        &server,
        Method::GET,
        &format!("/api/uploads/{}", stale.id),
        &token,
        None,
    )
    .await
    .error(404, ApiErrorCode::NotFound, "expired upload");
    // The fresh one resumes where it was.
    let state: UploadState = request(
        &server,
        Method::GET,
        &format!("/api/uploads/{}", fresh.id),
        &token,
        None,
    )
    .await
    .ok(200, "fresh upload");
    assert_eq!(state.received, 40);
    put_chunk(&server, &token, fresh.id, 40, &[8u8; 60])
        .await
        .ok::<UploadState>(200, "rest");
    let done: Attachment = complete(&server, &token, fresh.id)
        .await
        .ok(201, "complete");
    assert_eq!(done.size, 100);
    assert!(
        upload_files(&server).is_empty(),
        "{:?}",
        upload_files(&server)
    );
}

#[tokio::test]
async fn the_data_folder_and_every_file_in_it_are_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start(&data);
    let pair = server.pair().await;
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let req = new_upload(
        pair.chat.id,
        "notes.pdf",
        "application/pdf",
        AttachmentKind::Document,
        pdf.len() as u64,
    );
    upload(&server, &pair.alice.token, &req, &pdf).await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data folder");
    let files = files_under(&data);
    assert!(
        files.iter().any(|f| f.ends_with("kontor.sqlite3")),
        "{files:?}"
    );
    assert!(!media_files(&server).is_empty());
    for file in files {
        // Sockets are reached through the private folder; files must not be readable by others.
        assert_eq!(
            mode(&file) & 0o077,
            0,
            "{} is {:o}",
            file.display(),
            mode(&file)
        );
    }
}

#[tokio::test]
async fn storage_is_limited_per_account_and_per_business_and_refusals_say_how_full() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with_limits(
        dir.path(),
        &[
            ("KONTOR_STORAGE_PER_ACCOUNT_MIB", "1"),
            ("KONTOR_STORAGE_PER_BUSINESS_MIB", "2"),
            ("KONTOR_BUSINESSES_PER_ACCOUNT", "1"),
        ],
    );
    let team = server.team().await;
    let customer = server.register("cora", "Cora Customer").await;
    let (mut cust, _) = server.connect(&customer.token, Pos(0)).await;
    let chat = cust.start_chat("shop").await;
    let file = vec![b'x'; 700 * 1024];
    let doc = |name: &str| {
        new_upload(
            chat.id,
            name,
            "application/octet-stream",
            AttachmentKind::Document,
            file.len() as u64,
        )
    };

    // The customer's own megabyte: one file fits, the second does not.
    upload(&server, &customer.token, &doc("one.bin"), &file).await;
    let message = announce(&server, &customer.token, &doc("two.bin"))
        .await
        .error(413, ApiErrorCode::TooLarge, "over the account's quota");
    assert!(message.starts_with("Your storage is full"), "{message}");
    assert!(message.contains("1.0 MiB"), "{message}");

    // The agent's files in the customer conversation count for the business (2 MiB), not for
    // the agent: two fit, the third does not.
    upload(&server, &team.agent.token, &doc("a.bin"), &file).await;
    upload(&server, &team.agent.token, &doc("b.bin"), &file).await;
    let message = announce(&server, &team.agent.token, &doc("c.bin"))
        .await
        .error(413, ApiErrorCode::TooLarge, "over the business's quota");
    assert!(
        message.starts_with("The business's storage is full"),
        "{message}"
    );

    // One business per account here: the owner's second is refused, saying why.
    let body = kontor_protocol::business::CreateBusiness {
        handle: "shop2".into(),
        profile: crate::harness::profile_fields(
            "Second Shop",
            kontor_protocol::business::Category::Retail,
        ),
    };
    let answer = server
        .api_json(
            Method::POST,
            "/api/businesses",
            Some(&team.owner.token),
            &body,
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert!(
        answer.text().contains("the most one account may have"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn files_uploaded_and_never_sent_are_removed_and_sent_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let mut pair = server.pair().await;
    let token = pair.alice.token.clone();
    let upload_doc = |name: &'static str, byte: u8| {
        let bytes = vec![byte; 2000];
        let req = new_upload(
            pair.chat.id,
            name,
            "application/octet-stream",
            AttachmentKind::Document,
            bytes.len() as u64,
        );
        (req, bytes)
    };
    let (req, bytes) = upload_doc("kept.bin", 1);
    let sent = upload(&server, &token, &req, &bytes).await;
    let (_, ack) = send_with(&mut pair.a, pair.chat.id, "", Some(sent.id)).await;
    assert!(matches!(ack, ServerFrame::Ack { .. }), "{ack:?}");
    let (req, bytes) = upload_doc("forgotten.bin", 2);
    let unsent = upload(&server, &token, &req, &bytes).await;
    assert_eq!(media_files(&server).len(), 2);
    server.kill();

    // Two days pass for both.
    let then = std::time::SystemTime::now() - Duration::from_secs(48 * 60 * 60);
    let then_ms = then
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let db = rusqlite::Connection::open(dir.path().join("kontor.sqlite3")).unwrap();
    db.execute("UPDATE attachments SET created_at = ?1", [then_ms])
        .unwrap();
    drop(db);
    for file in files_under(&dir.path().join("media")) {
        std::fs::File::options()
            .append(true)
            .open(&file)
            .unwrap()
            .set_modified(then)
            .unwrap();
    }

    // The clean-up at start removes the unsent one, row and file; the sent one stays.
    let server = TestServer::start(dir.path());
    let deadline = Instant::now() + Duration::from_secs(10);
    while media_files(&server).len() > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(media_files(&server).len(), 1);
    let got = download(&server, &pair.bob.token, sent.id, "original").await;
    assert_eq!(got.status, 200, "{}", got.text());
    let gone = download(&server, &token, unsent.id, "original").await;
    assert_eq!(gone.status, 404, "{}", gone.text());
    let (mut alice, _) = server.connect(&token, Pos(0)).await;
    let (_, refused) = send_with(&mut alice, pair.chat.id, "", Some(unsent.id)).await;
    assert!(matches!(refused, ServerFrame::Error { .. }), "{refused:?}");
}
