//! The Japanese font a PDF is set in: found among the fonts the operating system has (Noto Sans
//! CJK on Linux, Hiragino on macOS, Yu Gothic or Meiryo on Windows), or named by
//! `KIZUNA_PDF_FONT`. Only the glyphs used are embedded (krilla subsets), so the font's size
//! does not matter to the PDF's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::PrintError;

/// Where Japanese fonts are on the systems the app runs on, best first.
const CANDIDATES: &[&str] = &[
    // Debian/Ubuntu (fonts-noto-cjk), Fedora, Arch.
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",
    // macOS.
    "/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",
    "/System/Library/Fonts/Hiragino Sans W3.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    // Windows.
    "C:\\Windows\\Fonts\\YuGothR.ttc",
    "C:\\Windows\\Fonts\\BIZ-UDGothicR.ttc",
    "C:\\Windows\\Fonts\\meiryo.ttc",
    "C:\\Windows\\Fonts\\msgothic.ttc",
];

/// Characters a font must have to set the forms: kana, common and IBM-extension kanji.
const MUST_HAVE: &str = "あア介護髙﨑１";

/// A Japanese font, ready to set text and to measure it.
#[derive(Clone)]
pub struct PdfFont {
    pub(crate) font: krilla::text::Font,
    data: Arc<Vec<u8>>,
    index: u32,
    /// Advance widths in em, per character, as measured.
    widths: Arc<Mutex<HashMap<char, f32>>>,
    /// Where it was read from, for messages.
    pub path: PathBuf,
}

impl std::fmt::Debug for PdfFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PdfFont({}, {})", self.path.display(), self.index)
    }
}

impl PdfFont {
    /// The font named by `KIZUNA_PDF_FONT` (a path), or the first Japanese font of the system.
    pub fn find() -> Result<PdfFont, PrintError> {
        if let Some(path) = std::env::var_os("KIZUNA_PDF_FONT") {
            return PdfFont::open(Path::new(&path));
        }
        CANDIDATES
            .iter()
            .map(Path::new)
            .filter(|p| p.exists())
            .find_map(|p| PdfFont::open(p).ok())
            .ok_or(PrintError::NoFont)
    }

    /// The Japanese face of a font file (of a collection, the one whose family says JP).
    pub fn open(path: &Path) -> Result<PdfFont, PrintError> {
        let unusable = |why: &str| PrintError::BadFont {
            path: path.to_owned(),
            why: why.to_owned(),
        };
        let data = std::fs::read(path).map_err(|e| unusable(&e.to_string()))?;
        let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let index = (0..count)
            .find(|&i| {
                ttf_parser::Face::parse(&data, i).is_ok_and(|face| {
                    face.names().into_iter().any(|n| {
                        n.name_id == ttf_parser::name_id::FAMILY
                            && n.to_string().is_some_and(|s| s.contains("JP"))
                    })
                })
            })
            .unwrap_or(0);
        let face = ttf_parser::Face::parse(&data, index).map_err(|e| unusable(&e.to_string()))?;
        if let Some(c) = MUST_HAVE.chars().find(|&c| face.glyph_index(c).is_none()) {
            return Err(unusable(&format!("「{c}」の字形がありません")));
        }
        let data = Arc::new(data);
        let font = krilla::text::Font::new(krilla::Data::from(data.clone()), index)
            .ok_or_else(|| unusable("PDF に埋め込めません"))?;
        Ok(PdfFont {
            font,
            data,
            index,
            widths: Arc::default(),
            path: path.to_owned(),
        })
    }

    /// Width of `text` set at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// Advance of one character, in em.
    pub(crate) fn advance(&self, c: char) -> f32 {
        let mut widths = self.widths.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = widths.get(&c) {
            return *w;
        }
        let w = ttf_parser::Face::parse(&self.data, self.index)
            .ok()
            .and_then(|face| {
                let glyph = face.glyph_index(c)?;
                Some(f32::from(face.glyph_hor_advance(glyph)?) / f32::from(face.units_per_em()))
            })
            .unwrap_or(1.0);
        widths.insert(c, w);
        w
    }
}
