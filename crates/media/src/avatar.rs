//! Avatar pictures: decoded by their content with hard limits, turned upright, scaled down and
//! re-encoded as PNG, so what is stored and served is pixels the server produced itself, with
//! no metadata (EXIF, GPS, comments) and no trailing payload from the upload.

use std::io::Cursor;
use std::sync::Arc;

use async_trait::async_trait;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use tessera_core::ports::{AvatarProcessor, MediaError};
use tokio::sync::Semaphore;

/// Widest or tallest picture decoded. A header may promise anything; this is checked before
/// any pixel buffer exists.
const MAX_DIMENSION: u32 = 8192;
/// Most memory one decode may allocate, output buffer included (a small compressed file can
/// declare a huge canvas: a decompression bomb is refused here rather than decoded).
const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;

/// An [`AvatarProcessor`] on the `image` crate, limited to PNG, JPEG, GIF, BMP and WebP
/// (first frame of animations). At most a few pictures are decoded at once, so a burst of
/// uploads cannot multiply the per-decode memory limit.
#[derive(Debug, Clone)]
pub struct ImageAvatarProcessor {
    permits: Arc<Semaphore>,
}

impl Default for ImageAvatarProcessor {
    /// One decode per CPU.
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

impl ImageAvatarProcessor {
    /// A processor that decodes at most `max_concurrent` pictures at once (at least one);
    /// peak memory is about `max_concurrent` × 128 MiB.
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }
}

#[async_trait]
impl AvatarProcessor for ImageAvatarProcessor {
    async fn process_avatar(&self, bytes: Vec<u8>, max_side: u32) -> Result<Vec<u8>, MediaError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| MediaError::Storage(format!("avatar processor closed: {e}")))?;
        // The permit moves into the task: a caller that gives up does not free the slot
        // while the decode still runs.
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            reencode(&bytes, max_side)
        });
        match task.await {
            Ok(result) => result,
            Err(e) => {
                // A decoder panic is a bug to log, but it was triggered by the upload: the
                // client gets "not an image", not a server error.
                tracing::error!(error = %e, "avatar decoding failed abnormally");
                Err(MediaError::NotAnImage(
                    "the picture could not be decoded".into(),
                ))
            }
        }
    }
}

/// Over-limit pictures get one recognisable message; decoder errors keep theirs (for logs).
fn not_an_image(e: ImageError) -> MediaError {
    match e {
        ImageError::Limits(_) => MediaError::NotAnImage(TOO_LARGE.into()),
        other => MediaError::NotAnImage(other.to_string()),
    }
}

const TOO_LARGE: &str = "the picture is too large to decode safely";

/// Decodes `bytes` (format by content only), applies the EXIF orientation, fits the result in
/// `max_side`×`max_side` and returns it as PNG.
fn reencode(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, MediaError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::NotAnImage(e.to_string()))?;
    match reader.format() {
        Some(
            ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::Gif
            | ImageFormat::Bmp
            | ImageFormat::WebP,
        ) => {}
        _ => {
            return Err(MediaError::NotAnImage(
                "not a PNG, JPEG, GIF, BMP or WebP picture".into(),
            ))
        }
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits.clone());
    // Reads the header only, and refuses dimensions over the limits.
    let mut decoder = reader.into_decoder().map_err(not_an_image)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(MediaError::NotAnImage("the picture is empty".into()));
    }
    // As `ImageReader::decode` does: the output buffer counts against the allocation limit,
    // and the decoder gets what is left for its own buffers.
    limits
        .reserve(decoder.total_bytes())
        .map_err(not_an_image)?;
    decoder.set_limits(limits).map_err(not_an_image)?;
    // Phones store pictures sideways with an EXIF rotation; the EXIF goes, so the rotation is
    // applied to the pixels. Unreadable EXIF is simply ignored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(not_an_image)?;
    picture.apply_orientation(orientation);

    let side = max_side.max(1);
    if picture.width() > side || picture.height() > side {
        // Keeps the aspect ratio; small pictures are never enlarged.
        picture = picture.thumbnail(side, side);
    }
    let picture = if picture.color().has_alpha() {
        DynamicImage::ImageRgba8(picture.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(picture.to_rgb8())
    };
    let mut png = Vec::new();
    picture
        .write_with_encoder(PngEncoder::new(&mut png))
        .map_err(|e| MediaError::Storage(format!("cannot encode avatar as PNG: {e}")))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::bmp::BmpEncoder;
    use image::codecs::jpeg::JpegEncoder;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    const MARKER: &[u8] = b"TESSERA-SECRET-MARKER-7d3f";

    fn picture(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        })
    }

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(picture(width, height))
            .write_with_encoder(PngEncoder::new(&mut out))
            .unwrap();
        out
    }

    fn jpeg_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(picture(width, height))
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            .unwrap();
        out
    }

    fn bmp_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(picture(width, height))
            .write_with_encoder(BmpEncoder::new(&mut out))
            .unwrap();
        out
    }

    fn gif_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture(width, height))
            .write_to(&mut out, ImageFormat::Gif)
            .unwrap();
        out.into_inner()
    }

    fn webp_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let rgba = RgbaImage::from_fn(width, height, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 0, 200])
        });
        DynamicImage::ImageRgba8(rgba)
            .write_to(&mut out, ImageFormat::WebP)
            .unwrap();
        out.into_inner()
    }

    /// Decodes the processor's output, insisting that it is a PNG.
    fn decode_png(bytes: &[u8]) -> DynamicImage {
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "output is not a PNG"
        );
        image::load_from_memory_with_format(bytes, ImageFormat::Png).unwrap()
    }

    async fn process(bytes: Vec<u8>, max_side: u32) -> Result<Vec<u8>, MediaError> {
        ImageAvatarProcessor::default()
            .process_avatar(bytes, max_side)
            .await
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// CRC-32 (IEEE) for hand-built PNG chunks.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffff_u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }

    #[tokio::test]
    async fn common_formats_come_out_as_png() {
        for (name, input) in [
            ("png", png_of(40, 30)),
            ("jpeg", jpeg_of(40, 30)),
            ("bmp", bmp_of(40, 30)),
            ("gif", gif_of(40, 30)),
            ("webp", webp_of(40, 30)),
        ] {
            let out = process(input, 512)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let decoded = decode_png(&out);
            assert_eq!(
                (decoded.width(), decoded.height()),
                (40, 30),
                "{name}: small pictures keep their size"
            );
        }
    }

    #[tokio::test]
    async fn alpha_survives() {
        let out = process(webp_of(8, 8), 512).await.unwrap();
        assert!(decode_png(&out).color().has_alpha());
        let out = process(png_of(8, 8), 512).await.unwrap();
        assert!(!decode_png(&out).color().has_alpha());
    }

    #[tokio::test]
    async fn large_pictures_are_scaled_to_fit_keeping_their_shape() {
        let out = process(png_of(2000, 1000), 512).await.unwrap();
        let decoded = decode_png(&out);
        assert_eq!((decoded.width(), decoded.height()), (512, 256));
        let out = process(jpeg_of(300, 900), 100).await.unwrap();
        let decoded = decode_png(&out);
        assert_eq!((decoded.width(), decoded.height()), (33, 100));
    }

    #[tokio::test]
    async fn exif_metadata_is_dropped() {
        let jpeg = jpeg_of(32, 32);
        assert!(jpeg.starts_with(&[0xff, 0xd8]));
        // An APP1 "Exif" segment right after SOI, carrying the marker in a TIFF body.
        let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
        payload.extend_from_slice(MARKER);
        let mut with_exif = vec![0xff, 0xd8, 0xff, 0xe1];
        with_exif.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        with_exif.extend_from_slice(&payload);
        with_exif.extend_from_slice(&jpeg[2..]);
        assert!(contains(&with_exif, MARKER));
        // The input is still a JPEG any decoder accepts.
        image::load_from_memory(&with_exif).unwrap();

        let out = process(with_exif, 512).await.unwrap();
        assert!(!contains(&out, MARKER));
        assert_eq!(decode_png(&out).width(), 32);
    }

    #[tokio::test]
    async fn exif_orientation_is_applied_to_the_pixels() {
        let jpeg = jpeg_of(40, 20);
        // Big-endian TIFF with one IFD entry: Orientation (0x0112), SHORT, 1, value 6 (90° cw).
        let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
        payload.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        payload.extend_from_slice(&[0, 0, 0, 0]);
        let mut rotated = vec![0xff, 0xd8, 0xff, 0xe1];
        rotated.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        rotated.extend_from_slice(&payload);
        rotated.extend_from_slice(&jpeg[2..]);
        let decoded = decode_png(&process(rotated, 512).await.unwrap());
        assert_eq!((decoded.width(), decoded.height()), (20, 40));
    }

    #[tokio::test]
    async fn bytes_after_the_png_end_are_dropped() {
        let mut input = png_of(16, 16);
        assert!(input.ends_with(&png_chunk(b"IEND", &[])));
        input.extend_from_slice(b"<?php system($_GET['c']); ?>");
        input.extend_from_slice(MARKER);
        let out = process(input, 512).await.unwrap();
        assert!(!contains(&out, MARKER));
        assert!(!contains(&out, b"<?php"));
        assert!(out.ends_with(&png_chunk(b"IEND", &[])));
        assert_eq!(decode_png(&out).width(), 16);
    }

    #[tokio::test]
    async fn things_that_are_not_pictures_are_refused() {
        let png = png_of(64, 64);
        let truncated = png[..png.len() / 2].to_vec();
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec();
        let jpeg = jpeg_of(64, 64);
        let truncated_jpeg_header = jpeg[..20].to_vec();
        for (name, input) in [
            ("empty", Vec::new()),
            ("text", b"hello, this is not a picture at all".to_vec()),
            ("svg", svg),
            ("png signature only", png[..8].to_vec()),
            ("truncated png", truncated),
            ("truncated jpeg header", truncated_jpeg_header),
            ("html", b"<html><body>hi</body></html>".to_vec()),
        ] {
            assert!(
                matches!(process(input, 512).await, Err(MediaError::NotAnImage(_))),
                "{name} was accepted"
            );
        }
    }

    #[tokio::test]
    async fn a_header_promising_a_huge_canvas_is_refused_before_decoding() {
        // A valid PNG signature and IHDR for 100000×100000 RGB (~30 GB decoded), then a tiny
        // IDAT: decoding must stop at the header.
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&100_000_u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000_u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        bomb.extend_from_slice(&png_chunk(b"IHDR", &ihdr));
        bomb.extend_from_slice(&png_chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0, 0, 0, 1]));
        bomb.extend_from_slice(&png_chunk(b"IEND", &[]));
        let err = process(bomb, 512).await.unwrap_err();
        assert!(
            matches!(&err, MediaError::NotAnImage(m) if m == TOO_LARGE),
            "{err}"
        );

        // Within the side limit but over the memory limit: 8000×8000 RGBA = 256 MB.
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&8000_u32.to_be_bytes());
        ihdr.extend_from_slice(&8000_u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        bomb.extend_from_slice(&png_chunk(b"IHDR", &ihdr));
        bomb.extend_from_slice(&png_chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0, 0, 0, 1]));
        bomb.extend_from_slice(&png_chunk(b"IEND", &[]));
        let err = process(bomb, 512).await.unwrap_err();
        assert!(
            matches!(&err, MediaError::NotAnImage(m) if m == TOO_LARGE),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_zero_max_side_still_gives_a_picture() {
        let decoded = decode_png(&process(png_of(10, 10), 0).await.unwrap());
        assert_eq!((decoded.width(), decoded.height()), (1, 1));
    }

    #[test]
    fn the_test_crc_matches_a_known_value() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
    }
}
