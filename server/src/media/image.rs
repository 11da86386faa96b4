//! Photo checks and renditions: the type is read from the bytes (never trusted from the name or
//! the browser), the size from the header before anything is decoded, and the original is
//! re-encoded so EXIF and other metadata (location, camera serial) are dropped.
//!
//! Everything here is blocking CPU and file work: call it from `spawn_blocking`.
//!
//! Over 500 lines: about a third are its tests (hostile files of every format).

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits, RgbImage};
use kontor_protocol::media::MAX_IMAGE_PIXELS;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

/// Long side of the preview rendition, in pixels.
pub const PREVIEW_SIDE: u32 = 1280;
/// Long side of the thumbnail rendition, in pixels.
pub const THUMB_SIDE: u32 = 320;
/// JPEG quality of a re-encoded JPEG original.
const ORIGINAL_QUALITY: u8 = 90;
/// JPEG quality of previews.
const PREVIEW_QUALITY: u8 = 82;
/// JPEG quality of thumbnails.
const THUMB_QUALITY: u8 = 75;
/// Most memory a decoder may allocate (a 50 MP, 16-bit RGBA picture needs 400 MB).
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// Why a file is not an acceptable photo.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// The bytes are not JPEG, PNG, WebP or GIF.
    #[error("That file is not a JPEG, PNG, WebP or GIF image.")]
    NotAnImage,
    /// The bytes are an image of another type than the one announced.
    #[error("That file is a {actual} image, not {declared} as announced.")]
    TypeMismatch {
        /// The announced media type.
        declared: String,
        /// The type the bytes are.
        actual: &'static str,
    },
    /// The image is damaged.
    #[error("That image is damaged and cannot be read.")]
    Corrupt,
    /// More pixels than allowed (checked from the header, before decoding).
    #[error("That image is too large: at most 50 megapixels.")]
    TooManyPixels,
    /// Reading the upload or writing a rendition failed.
    #[error("image file I/O failed: {0}")]
    Io(#[from] io::Error),
}

/// Where the renditions of one photo go.
#[derive(Debug, Clone, Copy)]
pub struct Outputs<'a> {
    /// The cleaned original.
    pub original: &'a Path,
    /// At most [`PREVIEW_SIDE`] on the long side, JPEG.
    pub preview: &'a Path,
    /// At most [`THUMB_SIDE`] on the long side, JPEG.
    pub thumb: &'a Path,
}

/// A checked photo whose renditions were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// Media type of the original, as found in the bytes.
    pub mime: &'static str,
    /// Width of the original as shown (after applying its EXIF orientation).
    pub width: u32,
    /// Height of the original as shown.
    pub height: u32,
}

/// The media type of an accepted photo format.
pub fn mime_of(format: ImageFormat) -> Option<&'static str> {
    match format {
        ImageFormat::Jpeg => Some("image/jpeg"),
        ImageFormat::Png => Some("image/png"),
        ImageFormat::WebP => Some("image/webp"),
        ImageFormat::Gif => Some("image/gif"),
        _ => None,
    }
}

/// Whether photos may be announced with this (cleaned) media type: the protocol's one list.
pub use kontor_protocol::media::is_photo_mime;

/// Checks the uploaded file at `input` (announced as `declared`) and writes its renditions.
pub fn process(input: &Path, declared: &str, out: Outputs<'_>) -> Result<Photo, PhotoError> {
    let format = sniff(input)?;
    let mime = mime_of(format).ok_or(PhotoError::NotAnImage)?;
    if mime != declared {
        return Err(PhotoError::TypeMismatch {
            declared: declared.to_owned(),
            actual: mime,
        });
    }
    // The header alone says how big the picture is: refuse a bomb before allocating for it.
    let (width, height) = reader(input, format)?
        .into_dimensions()
        .map_err(decode_error)?;
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(PhotoError::TooManyPixels);
    }
    let mut decoder = reader(input, format)?
        .into_decoder()
        .map_err(decode_error)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    // The EXIF block that said how to turn the picture is dropped: turn the pixels instead.
    picture.apply_orientation(orientation);

    write_original(input, format, &picture, icc, out.original)?;
    let preview = shrink(&picture, PREVIEW_SIDE);
    let (width, height) = (picture.width(), picture.height());
    drop(picture);
    write_jpeg(&flatten(&preview), PREVIEW_QUALITY, out.preview)?;
    let thumb = shrink(&preview, THUMB_SIDE);
    write_jpeg(&flatten(&thumb), THUMB_QUALITY, out.thumb)?;
    Ok(Photo {
        mime,
        width,
        height,
    })
}

/// The format the file's first bytes say it is.
fn sniff(input: &Path) -> Result<ImageFormat, PhotoError> {
    let mut head = Vec::with_capacity(64);
    File::open(input)?.take(64).read_to_end(&mut head)?;
    image::guess_format(&head).map_err(|_| PhotoError::NotAnImage)
}

fn reader(input: &Path, format: ImageFormat) -> io::Result<ImageReader<BufReader<File>>> {
    let mut reader = ImageReader::with_format(BufReader::new(File::open(input)?), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    Ok(reader)
}

fn decode_error(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels,
        image::ImageError::IoError(e) if e.kind() != io::ErrorKind::UnexpectedEof => {
            PhotoError::Io(e)
        }
        _ => PhotoError::Corrupt,
    }
}

fn encode_error(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::IoError(e) => PhotoError::Io(e),
        // Only pixel layouts the encoders accept are handed to them.
        other => PhotoError::Io(io::Error::other(other)),
    }
}

/// Re-encodes the original in its own format, which leaves every metadata block behind but the
/// colour profile. GIF cannot carry EXIF: its bytes are copied without comments and application
/// blocks (XMP) instead, which keeps animations as they are.
fn write_original(
    input: &Path,
    format: ImageFormat,
    picture: &DynamicImage,
    icc: Option<Vec<u8>>,
    target: &Path,
) -> Result<(), PhotoError> {
    let mut file = BufWriter::new(File::create(target)?);
    match format {
        ImageFormat::Gif => {
            copy_gif_without_metadata(&mut BufReader::new(File::open(input)?), &mut file)?
        }
        ImageFormat::Jpeg => {
            let picture = match picture {
                DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => picture.clone(),
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            };
            let mut encoder = JpegEncoder::new_with_quality(&mut file, ORIGINAL_QUALITY);
            if let Some(icc) = icc {
                let _ = encoder.set_icc_profile(icc);
            }
            picture.write_with_encoder(encoder).map_err(encode_error)?;
        }
        ImageFormat::Png => {
            let mut encoder = PngEncoder::new(&mut file);
            if let Some(icc) = icc {
                let _ = encoder.set_icc_profile(icc);
            }
            picture.write_with_encoder(encoder).map_err(encode_error)?;
        }
        ImageFormat::WebP => {
            // The only WebP encoder at hand is lossless: larger, but nothing is lost.
            let picture = if picture.color().has_alpha() {
                DynamicImage::ImageRgba8(picture.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(picture.to_rgb8())
            };
            let mut encoder = WebPEncoder::new_lossless(&mut file);
            if let Some(icc) = icc {
                let _ = encoder.set_icc_profile(icc);
            }
            picture.write_with_encoder(encoder).map_err(encode_error)?;
        }
        _ => return Err(PhotoError::NotAnImage),
    }
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

/// The picture scaled down to fit `side` × `side` (never up).
fn shrink(picture: &DynamicImage, side: u32) -> DynamicImage {
    if picture.width() <= side && picture.height() <= side {
        picture.clone()
    } else {
        // Area averaging: fast, and no aliasing when shrinking a lot.
        picture.thumbnail(side, side)
    }
}

/// RGB for JPEG: transparent parts are laid on white (they would turn black otherwise).
fn flatten(picture: &DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.to_rgb8();
    }
    let rgba = picture.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| -> u8 {
            let a = u16::from(a);
            ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

fn write_jpeg(picture: &RgbImage, quality: u8, target: &Path) -> Result<(), PhotoError> {
    let mut file = BufWriter::new(File::create(target)?);
    JpegEncoder::new_with_quality(&mut file, quality)
        .write_image(
            picture.as_raw(),
            picture.width(),
            picture.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(encode_error)?;
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

/// Copies a GIF block by block, leaving out comment extensions, application extensions other
/// than the looping ones, and anything after the trailer. Fails on a malformed file.
pub fn copy_gif_without_metadata<R: Read, W: Write>(
    input: &mut R,
    out: &mut W,
) -> Result<(), PhotoError> {
    let mut header = [0u8; 13];
    read_exact(input, &mut header)?;
    if &header[..6] != b"GIF87a" && &header[..6] != b"GIF89a" {
        return Err(PhotoError::Corrupt);
    }
    out.write_all(&header)?;
    copy_color_table(input, out, header[10])?;
    loop {
        let mut introducer = [0u8; 1];
        read_exact(input, &mut introducer)?;
        match introducer[0] {
            // Extension.
            0x21 => {
                let mut label = [0u8; 1];
                read_exact(input, &mut label)?;
                match label[0] {
                    0xFE => skip_sub_blocks(input)?,
                    0xFF => {
                        let mut size = [0u8; 1];
                        read_exact(input, &mut size)?;
                        let mut ident = vec![0u8; usize::from(size[0])];
                        read_exact(input, &mut ident)?;
                        if ident == b"NETSCAPE2.0" || ident == b"ANIMEXTS1.0" {
                            out.write_all(&[0x21, 0xFF, size[0]])?;
                            out.write_all(&ident)?;
                            copy_sub_blocks(input, out)?;
                        } else {
                            skip_sub_blocks(input)?;
                        }
                    }
                    other => {
                        out.write_all(&[0x21, other])?;
                        copy_sub_blocks(input, out)?;
                    }
                }
            }
            // Image: descriptor, optional local colour table, LZW code size, data.
            0x2C => {
                let mut descriptor = [0u8; 9];
                read_exact(input, &mut descriptor)?;
                out.write_all(&[0x2C])?;
                out.write_all(&descriptor)?;
                copy_color_table(input, out, descriptor[8])?;
                let mut code_size = [0u8; 1];
                read_exact(input, &mut code_size)?;
                out.write_all(&code_size)?;
                copy_sub_blocks(input, out)?;
            }
            // Trailer: whatever follows is not part of the picture.
            0x3B => {
                out.write_all(&[0x3B])?;
                return Ok(());
            }
            _ => return Err(PhotoError::Corrupt),
        }
    }
}

fn read_exact<R: Read>(input: &mut R, buf: &mut [u8]) -> Result<(), PhotoError> {
    input.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            PhotoError::Corrupt
        } else {
            PhotoError::Io(e)
        }
    })
}

/// Copies the colour table a packed field announces (bit 7: present; bits 0–2: size).
fn copy_color_table<R: Read, W: Write>(
    input: &mut R,
    out: &mut W,
    packed: u8,
) -> Result<(), PhotoError> {
    if packed & 0x80 != 0 {
        let mut table = vec![0u8; 3 << ((packed & 0x07) + 1)];
        read_exact(input, &mut table)?;
        out.write_all(&table)?;
    }
    Ok(())
}

fn copy_sub_blocks<R: Read, W: Write>(input: &mut R, out: &mut W) -> Result<(), PhotoError> {
    let mut block = [0u8; 256];
    loop {
        read_exact(input, &mut block[..1])?;
        let len = usize::from(block[0]);
        read_exact(input, &mut block[1..=len])?;
        out.write_all(&block[..=len])?;
        if len == 0 {
            return Ok(());
        }
    }
}

fn skip_sub_blocks<R: Read>(input: &mut R) -> Result<(), PhotoError> {
    copy_sub_blocks(input, &mut io::sink())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn encoded(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut out), format)
            .unwrap();
        out
    }

    fn open(path: &Path) -> DynamicImage {
        ImageReader::open(path)
            .unwrap()
            .with_guessed_format()
            .unwrap()
            .decode()
            .unwrap()
    }

    fn run(bytes: &[u8], declared: &str) -> (Result<Photo, PhotoError>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::write(&input, bytes).unwrap();
        let (o, p, t) = (
            dir.path().join("o"),
            dir.path().join("p"),
            dir.path().join("t"),
        );
        let result = process(
            &input,
            declared,
            Outputs {
                original: &o,
                preview: &p,
                thumb: &t,
            },
        );
        (result, dir)
    }

    #[test]
    fn makes_renditions_that_fit() {
        let picture = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            1600,
            900,
            image::Rgba([10, 200, 30, 0]),
        ));
        let (photo, dir) = run(&encoded(picture, ImageFormat::Png), "image/png");
        let photo = photo.unwrap();
        assert_eq!(
            (photo.mime, photo.width, photo.height),
            ("image/png", 1600, 900)
        );
        let original = open(&dir.path().join("o"));
        assert_eq!((original.width(), original.height()), (1600, 900));
        let preview = open(&dir.path().join("p"));
        assert_eq!((preview.width(), preview.height()), (1280, 720));
        let thumb = open(&dir.path().join("t"));
        assert_eq!((thumb.width(), thumb.height()), (320, 180));
        // Fully transparent pixels become white, not black.
        let pixel = thumb.to_rgb8().get_pixel(5, 5).0;
        assert!(pixel.iter().all(|c| *c > 240), "{pixel:?}");
    }

    #[test]
    fn webp_stays_webp_and_small_pictures_are_not_enlarged() {
        let picture = DynamicImage::ImageRgb8(RgbImage::from_pixel(100, 50, image::Rgb([1, 2, 3])));
        let (photo, dir) = run(&encoded(picture, ImageFormat::WebP), "image/webp");
        assert_eq!(photo.unwrap().mime, "image/webp");
        let original = std::fs::read(dir.path().join("o")).unwrap();
        assert_eq!(image::guess_format(&original).unwrap(), ImageFormat::WebP);
        let preview = open(&dir.path().join("p"));
        assert_eq!((preview.width(), preview.height()), (100, 50));
        let thumb = open(&dir.path().join("t"));
        assert_eq!((thumb.width(), thumb.height()), (100, 50));
    }

    #[test]
    fn refuses_what_does_not_match() {
        let png = encoded(
            DynamicImage::ImageRgb8(RgbImage::new(4, 4)),
            ImageFormat::Png,
        );
        assert!(matches!(
            run(&png, "image/jpeg").0,
            Err(PhotoError::TypeMismatch {
                actual: "image/png",
                ..
            })
        ));
        assert!(matches!(
            run(b"just some text", "image/png").0,
            Err(PhotoError::NotAnImage)
        ));
        assert!(matches!(
            run(&png[..png.len() / 2], "image/png").0,
            Err(PhotoError::Corrupt)
        ));
        // BMP sniffs as an image, but not one photos accept.
        assert!(matches!(
            run(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0", "image/png").0,
            Err(PhotoError::NotAnImage)
        ));
    }

    /// A GIF with a comment, an XMP application block, a loop block and junk after the trailer.
    fn gif_with_metadata() -> Vec<u8> {
        let base = encoded(
            DynamicImage::ImageRgb8(RgbImage::from_pixel(2, 2, image::Rgb([200, 0, 0]))),
            ImageFormat::Gif,
        );
        let packed = base[10];
        let table = if packed & 0x80 != 0 {
            3 << ((packed & 0x07) + 1)
        } else {
            0
        };
        let at = 13 + table;
        let mut blocks = Vec::new();
        blocks.extend_from_slice(&[0x21, 0xFF, 11]);
        blocks.extend_from_slice(b"NETSCAPE2.0");
        blocks.extend_from_slice(&[3, 1, 0, 0, 0]);
        blocks.extend_from_slice(&[0x21, 0xFE, 5]);
        blocks.extend_from_slice(b"hello");
        blocks.push(0);
        blocks.extend_from_slice(&[0x21, 0xFF, 11]);
        blocks.extend_from_slice(b"XMP DataXMP");
        blocks.push(8);
        blocks.extend_from_slice(b"GPS 59.3");
        blocks.push(0);
        let mut g = base[..at].to_vec();
        g.extend_from_slice(&blocks);
        g.extend_from_slice(&base[at..]);
        g.extend_from_slice(b"trailing secrets");
        g
    }

    #[test]
    fn gif_metadata_is_dropped_and_the_rest_kept() {
        let input = gif_with_metadata();
        let mut out = Vec::new();
        copy_gif_without_metadata(&mut Cursor::new(&input), &mut out).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("NETSCAPE2.0"));
        for gone in ["hello", "XMP", "GPS", "secrets"] {
            assert!(!text.contains(gone), "{gone} left in {out:?}");
        }
        assert_eq!(out.last(), Some(&0x3B));
        // Still a GIF that decodes, and the whole pipeline takes it.
        image::load_from_memory_with_format(&out, ImageFormat::Gif).unwrap();
        let (photo, dir) = run(&input, "image/gif");
        assert_eq!(photo.unwrap().width, 2);
        let kept = std::fs::read(dir.path().join("o")).unwrap();
        assert_eq!(kept, out);
        // Truncated files are refused.
        let mut sink = Vec::new();
        assert!(matches!(
            copy_gif_without_metadata(&mut Cursor::new(&input[..30]), &mut sink),
            Err(PhotoError::Corrupt)
        ));
    }
}
