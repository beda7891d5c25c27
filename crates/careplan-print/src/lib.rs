//! The forms of `careplan-forms` as A4 PDF for partners who are not connected yet: laid out like
//! the official forms (landscape where they are), Japanese text selectable, a subset of a
//! Japanese font embedded, every page with its number, the printing office and the date.

mod cost;
mod font;
mod forms;
mod layout;
mod page;

use std::path::PathBuf;

use careplan_forms::UserForms;

pub use cost::cost_pdf;
pub use font::PdfFont;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No Japanese font on this computer.
    #[error("no Japanese font found (install fonts-noto-cjk, or set KIZUNA_PDF_FONT)")]
    NoFont,
    /// The font named cannot be used.
    #[error("{path}: {why}")]
    BadFont {
        /// The font file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// A picture is not a JPEG that can be drawn.
    #[error("an image cannot be drawn")]
    Image,
    /// A page could not be laid out.
    #[error("a page could not be laid out")]
    Layout,
    /// The PDF could not be written.
    #[error("PDF: {0}")]
    Pdf(String),
}

/// Who prints, and when: on the foot of every page.
#[derive(Debug, Clone)]
pub struct Printed {
    /// The printing office's name.
    pub office: String,
    /// The date printed, as shown (e.g. 令和8年12月6日).
    pub on: String,
}

impl Printed {
    /// Printed today (Japan time) by `office`.
    pub fn today(office: impl Into<String>) -> Printed {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Printed {
            office: office.into(),
            on: careplan_forms::display::date(careplan_csv::values::Date::from_days(
                (secs + 9 * 3600) / 86_400,
            )),
        }
    }
}

/// One PDF of the forms of one or more users, each form from a new page.
pub fn pdf(users: &[UserForms], printed: &Printed, font: &PdfFont) -> Result<Vec<u8>, PrintError> {
    let mut pages = layout::Pages::new(font);
    for u in users {
        forms::user(&mut pages, u);
    }
    let pages = pages.finish();
    let title = match users {
        [one] => format!(
            "{} 帳票",
            one.user.name.as_deref().unwrap_or(&one.user.key.insured)
        ),
        _ => "帳票".to_owned(),
    };
    let footer = format!("印刷 {}　{}　Kizuna", printed.on, printed.office);
    page::write(&pages, font, &page::Footer { left: &footer }, &title)
}
