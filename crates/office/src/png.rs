//! Raster charts as PNG, for documents that cannot show SVG (the DOCX bulletin).
//!
//! The images hold only shapes, never text: whatever they need to say (labels, counts,
//! shares) goes into the document next to them, where it is set in the document's own fonts,
//! stays searchable, and needs no font here. That keeps this module pure and small: a ring
//! chart rasterised with anti-aliased edges, and a minimal PNG encoder (8-bit RGB, one IDAT
//! chunk deflated by `flate2`, CRC-32 computed here). The same input always gives the same
//! bytes.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use zhuanban_ledger::Colour;

use crate::svg;

/// The resolution written into the PNG (pHYs), in dots per inch.
pub const DPI: u32 = 300;

/// A ring (donut) chart: one segment per non-zero count, clockwise from the top in the given
/// order, in its colour's palette shade ([`svg::colour_hex`]), adjacent segments parted by a
/// thin white gap so that two segments of the same colour stay distinct. All counts zero: a
/// plain light grey ring. White background, `size` × `size` pixels (at least 16).
pub fn ring_chart(segments: &[(u64, Colour)], size: u32) -> Vec<u8> {
    let size = size.max(16);
    let side = size as usize;
    let c = f64::from(size) / 2.0;
    let outer = f64::from(size) * 0.48;
    let inner = f64::from(size) * 0.27;
    let gap = (f64::from(size) * 0.012).max(1.0);

    let total: f64 = segments.iter().map(|&(n, _)| n as f64).sum();
    let shown: Vec<(u64, Colour)> = segments.iter().copied().filter(|&(n, _)| n > 0).collect();
    // Segment boundaries as angles clockwise from the top.
    let mut bounds = Vec::with_capacity(shown.len() + 1);
    let mut acc = 0.0;
    bounds.push(0.0);
    for &(n, _) in &shown {
        acc += n as f64;
        bounds.push(acc / total * std::f64::consts::TAU);
    }
    let colours: Vec<[u8; 3]> = shown
        .iter()
        .map(|&(_, colour)| rgb(svg::colour_hex(colour)))
        .collect();
    let empty = rgb("#e0e0e0");
    let white = [255u8, 255, 255];
    // Rays between segments (none for a single segment: it closes on itself).
    let rays: Vec<(f64, f64)> = if shown.len() > 1 {
        bounds[..shown.len()]
            .iter()
            .map(|&a: &f64| (a.sin(), -a.cos()))
            .collect()
    } else {
        Vec::new()
    };

    // The colour at a point (dx, dy) from the centre, y down; None is the background.
    let colour_at = |dx: f64, dy: f64| -> Option<[u8; 3]> {
        let r = dx.hypot(dy);
        if r > outer || r < inner {
            return None;
        }
        if shown.is_empty() {
            return Some(empty);
        }
        for &(ux, uy) in &rays {
            let along = dx * ux + dy * uy;
            let across = (dx * uy - dy * ux).abs();
            if along > 0.0 && across < gap / 2.0 {
                return Some(white);
            }
        }
        let mut a = dx.atan2(-dy);
        if a < 0.0 {
            a += std::f64::consts::TAU;
        }
        let i = bounds[1..]
            .iter()
            .position(|&b| a < b)
            .unwrap_or(shown.len() - 1);
        Some(colours[i])
    };
    // Whether a pixel centre lies within `margin` of an edge (so that it needs sampling).
    let near_edge = |dx: f64, dy: f64, margin: f64| -> bool {
        let r = dx.hypot(dy);
        if (r - outer).abs() < margin || (r - inner).abs() < margin {
            return true;
        }
        if r > outer + margin || r < inner - margin {
            return false;
        }
        rays.iter().any(|&(ux, uy)| {
            let along = dx * ux + dy * uy;
            let across = (dx * uy - dy * ux).abs();
            along > -margin && (across - gap / 2.0).abs() < margin
        })
    };

    const SUB: usize = 4;
    let mut pixels = vec![255u8; side * side * 3];
    for y in 0..side {
        for x in 0..side {
            let (dx, dy) = (x as f64 + 0.5 - c, y as f64 + 0.5 - c);
            let px = &mut pixels[(y * side + x) * 3..][..3];
            if !near_edge(dx, dy, 1.0) {
                if let Some(col) = colour_at(dx, dy) {
                    px.copy_from_slice(&col);
                }
                continue;
            }
            let mut sum = [0u32; 3];
            for sy in 0..SUB {
                for sx in 0..SUB {
                    let ox = (sx as f64 + 0.5) / SUB as f64 - 0.5;
                    let oy = (sy as f64 + 0.5) / SUB as f64 - 0.5;
                    let col = colour_at(dx + ox, dy + oy).unwrap_or(white);
                    for k in 0..3 {
                        sum[k] += u32::from(col[k]);
                    }
                }
            }
            let n = (SUB * SUB) as u32;
            for k in 0..3 {
                px[k] = ((sum[k] + n / 2) / n) as u8;
            }
        }
    }
    encode_rgb(size, size, &pixels)
}

/// "#rrggbb" as bytes (black for anything else).
fn rgb(hex: &str) -> [u8; 3] {
    let h = hex.trim_start_matches('#');
    let byte = |i: usize| {
        h.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .unwrap_or(0)
    };
    [byte(0), byte(2), byte(4)]
}

/// Encodes 8-bit RGB pixels (row-major, `width * height * 3` bytes) as a PNG.
///
/// # Panics
/// If `pixels` has another length.
pub fn encode_rgb(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let row = width as usize * 3;
    assert_eq!(pixels.len(), row * height as usize, "pixel buffer size");
    let mut raw = Vec::with_capacity((row + 1) * height as usize);
    for line in pixels.chunks_exact(row.max(1)).take(height as usize) {
        // Filter type 1 (Sub): flat colour runs become zeros, which deflate well.
        raw.push(1);
        for (i, &b) in line.iter().enumerate() {
            let left = if i >= 3 { line[i - 3] } else { 0 };
            raw.push(b.wrapping_sub(left));
        }
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::new(6));
    // Writing to a Vec cannot fail.
    let idat = z
        .write_all(&raw)
        .and_then(|()| z.finish())
        .unwrap_or_default();

    let mut out = Vec::with_capacity(idat.len() + 64);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let ppm = (f64::from(DPI) / 0.0254).round() as u32;
    let mut phys = Vec::with_capacity(9);
    phys.extend_from_slice(&ppm.to_be_bytes());
    phys.extend_from_slice(&ppm.to_be_bytes());
    phys.push(1);
    chunk(&mut out, b"pHYs", &phys);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 (ISO 3309, as PNG uses it).
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_known_input() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn ring_is_a_png_of_the_size() {
        let png = ring_chart(&[(3, Colour::Green), (1, Colour::Red)], 64);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 64);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 64);
        assert!(png.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]));
    }
}
