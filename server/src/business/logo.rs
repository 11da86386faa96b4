//! Logo uploads: decoded (never trusted by their name or type), bounded, resized to a square PNG.

use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Side of the stored logo, in pixels.
pub const LOGO_SIDE: u32 = 256;
/// Largest accepted picture side: bigger ones are refused from the header, before they are
/// decoded. A logo is shown at most 256 pixels wide; 4096² still decodes into at most 64 MiB.
const MAX_SIDE: u32 = 4096;
/// Most memory the decoder may allocate.
const MAX_DECODE_ALLOC: u64 = 96 * 1024 * 1024;

/// Why an upload is not a usable logo.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoError {
    /// Not PNG, JPEG or WebP by its content.
    #[error("A logo must be a PNG, JPEG or WebP image.")]
    UnsupportedFormat,
    /// It claims a format but does not decode.
    #[error("That image file is damaged and cannot be read.")]
    Corrupt,
    /// Too many pixels (a decompression bomb, or just too big).
    #[error("That image is too large: at most 4096 × 4096 pixels.")]
    TooManyPixels,
}

/// Decodes a PNG/JPEG/WebP upload and returns a `LOGO_SIDE`² PNG, centre-cropped.
pub fn process(bytes: &[u8]) -> Result<Vec<u8>, LogoError> {
    let format = image::guess_format(bytes).map_err(|_| LogoError::UnsupportedFormat)?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP
    ) {
        return Err(LogoError::UnsupportedFormat);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => LogoError::TooManyPixels,
        _ => LogoError::Corrupt,
    })?;
    let square =
        decoded.resize_to_fill(LOGO_SIDE, LOGO_SIDE, image::imageops::FilterType::Lanczos3);
    let mut out = Vec::new();
    square
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|_| LogoError::Corrupt)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn resizes_to_a_square_png() {
        let out = process(&png(600, 300)).unwrap();
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (LOGO_SIDE, LOGO_SIDE));
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        assert_eq!(process(b"hello"), Err(LogoError::UnsupportedFormat));
        let mut broken = png(50, 50);
        broken.truncate(60);
        assert_eq!(process(&broken), Err(LogoError::Corrupt));
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(process(gif), Err(LogoError::UnsupportedFormat));
    }

    #[test]
    fn refuses_too_many_pixels_before_decoding() {
        assert_eq!(process(&png(5000, 1)), Err(LogoError::TooManyPixels));
    }
}
