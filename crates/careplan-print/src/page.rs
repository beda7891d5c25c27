//! Pages as lists of things to draw, laid out before any PDF is written: the footer's "page n of
//! N" needs N. Coordinates are points from the top left, as krilla takes them.

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;

use crate::PrintError;
use crate::font::PdfFont;

/// A4 in points.
pub(crate) const A4_SHORT: f32 = 595.0;
pub(crate) const A4_LONG: f32 = 842.0;
/// Margin on every side.
pub(crate) const MARGIN: f32 = 28.0;

/// One thing on a page.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Text with its baseline at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// A grey box (0 black … 255 white).
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
    /// A JPEG fitted into a box.
    Jpeg {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        data: Vec<u8>,
    },
}

/// One page: its size and what is on it.
#[derive(Debug, Clone)]
pub(crate) struct PageOut {
    pub w: f32,
    pub h: f32,
    pub ops: Vec<Op>,
}

impl PageOut {
    pub(crate) fn new(landscape: bool) -> PageOut {
        let (w, h) = if landscape {
            (A4_LONG, A4_SHORT)
        } else {
            (A4_SHORT, A4_LONG)
        };
        PageOut {
            w,
            h,
            ops: Vec::new(),
        }
    }
}

/// What the footer of every page says.
pub(crate) struct Footer<'a> {
    pub left: &'a str,
}

/// Writes the pages as a PDF, with "n / N" and `footer` at the foot of each.
pub(crate) fn write(
    pages: &[PageOut],
    font: &PdfFont,
    footer: &Footer<'_>,
    title: &str,
) -> Result<Vec<u8>, PrintError> {
    let mut doc = Document::new();
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_owned())
            .creator("Kizuna".to_owned()),
    );
    let total = pages.len();
    for (n, p) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(p.w, p.h).ok_or(PrintError::Layout)?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in &p.ops {
            draw(&mut surface, font, op)?;
        }
        let size = 7.0;
        let y = p.h - MARGIN / 2.0;
        draw(
            &mut surface,
            font,
            &Op::Text {
                x: MARGIN,
                y,
                size,
                text: footer.left.to_owned(),
            },
        )?;
        let number = format!("{} / {total}", n + 1);
        let x = p.w - MARGIN - font.width(&number, size);
        draw(
            &mut surface,
            font,
            &Op::Text {
                x,
                y,
                size,
                text: number,
            },
        )?;
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PrintError::Pdf(format!("{e:?}")))
}

fn draw(s: &mut krilla::surface::Surface<'_>, font: &PdfFont, op: &Op) -> Result<(), PrintError> {
    match op {
        Op::Text { x, y, size, text } => {
            if !text.is_empty() {
                s.set_fill(Some(Fill::default()));
                s.draw_text(
                    Point::from_xy(*x, *y),
                    font.font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    width: *width,
                    ..Stroke::default()
                }));
                s.draw_path(&path);
                s.set_stroke(None);
            }
        }
        Op::Shade { x, y, w, h, grey } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                s.set_stroke(None);
                s.set_fill(Some(Fill {
                    paint: luma::Color::new(*grey).into(),
                    opacity: NormalizedF32::ONE,
                    rule: Default::default(),
                }));
                s.draw_path(&path);
                s.set_fill(Some(Fill::default()));
            }
        }
        Op::Jpeg { x, y, w, h, data } => {
            let image = krilla::image::Image::from_jpeg(data.clone().into(), true)
                .map_err(|_| PrintError::Image)?;
            let (iw, ih) = image.size();
            let scale = (w / iw as f32).min(h / ih as f32);
            let size =
                Size::from_wh(iw as f32 * scale, ih as f32 * scale).ok_or(PrintError::Image)?;
            s.push_transform(&Transform::from_translate(*x, *y));
            s.draw_image(image, size);
            s.pop();
        }
    }
    Ok(())
}
