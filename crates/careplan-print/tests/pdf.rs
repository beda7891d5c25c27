//! The PDF of the sample's forms: every user's name and every service row is text in it (read
//! back with poppler's pdftotext), the font is embedded as a subset, and the pages render.

use std::path::Path;
use std::process::Command;

use careplan_csv::sample::{SampleOptions, every_kind, exchange};
use careplan_csv::values::YearMonth;
use careplan_forms::view::Form;
use careplan_forms::{Bundle, UserForms};
use careplan_print::{PdfFont, Printed, pdf};

fn printed() -> Printed {
    Printed {
        office: "居宅介護支援事業所さくら".into(),
        on: "令和8年12月6日".into(),
    }
}

fn font() -> PdfFont {
    PdfFont::find().expect("a Japanese font (scripts/test installs fonts-noto-cjk)")
}

/// The sample's units for the 訪問介護 office and its 実績, as the office receives them.
fn sample() -> Bundle {
    let opts = SampleOptions::three_partners(YearMonth::parse("202612").unwrap(), 5);
    Bundle::new(
        exchange(&opts)
            .unwrap()
            .into_iter()
            .filter(|f| f.name.to_string().contains("_1320000001_11_"))
            .map(|f| (f.name.to_string(), f.bytes)),
    )
}

fn all_forms(bundle: &Bundle) -> Vec<UserForms> {
    bundle
        .users()
        .iter()
        .map(|u| bundle.forms(&u.key).unwrap())
        .collect()
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forms.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Text without white space: pdftotext breaks runs at spaces (and 　), which the check ignores.
fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_user_s_name_and_every_service_row_is_text_in_the_pdf() {
    let bundle = sample();
    let forms = all_forms(&bundle);
    let text = squeezed(&pdftotext(&pdf(&forms, &printed(), &font()).unwrap()));
    for f in &forms {
        let name = squeezed(f.user.name.as_deref().unwrap());
        assert!(text.contains(&name), "{name} is in the PDF");
        assert!(text.contains(&f.user.key.insured));
        for form in &f.forms {
            assert!(
                text.contains(&squeezed(form.source().title)),
                "{}",
                form.source().title
            );
            match form {
                Form::Schedule(s) => {
                    for r in &s.rows {
                        assert!(text.contains(&r.code), "第6表 row {}", r.code);
                    }
                }
                Form::Sikyu(s) => {
                    for r in s.rows.iter().filter(|r| r.code != "999999") {
                        assert!(text.contains(&r.code), "第7表 row {}", r.code);
                    }
                }
                _ => {}
            }
        }
    }
    assert!(text.contains("令和8年12月6日") && text.contains("居宅介護支援事業所さくら"));
}

#[test]
fn pages_are_numbered_n_of_all() {
    let bundle = sample();
    let forms = all_forms(&bundle);
    let text = pdftotext(&pdf(&forms[..1], &printed(), &font()).unwrap());
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 6, "a page per form at least: {pages}");
    let text = squeezed(&text);
    assert!(text.contains(&format!("1/{pages}")) && text.contains(&format!("{pages}/{pages}")));
}

#[test]
fn one_user_s_month_embeds_only_a_subset_of_the_font_and_stays_small() {
    let bundle = sample();
    let forms = all_forms(&bundle);
    let bytes = pdf(&forms[..1], &printed(), &font()).unwrap();
    assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    // pdffonts: name ... emb sub uni: a subset's name starts with six capitals and '+'.
    let line = fonts.lines().nth(2).expect("one font");
    assert!(
        line.split_whitespace().next().unwrap().chars().nth(6) == Some('+'),
        "{fonts}"
    );
    assert!(
        line.contains("yes yes yes"),
        "embedded, subset, with Unicode: {fonts}"
    );
}

#[test]
fn every_form_of_the_standard_prints_and_its_pages_render() {
    let bundle = Bundle::new(
        every_kind(YearMonth::parse("202612").unwrap())
            .into_iter()
            .map(|f| (f.name.to_string(), f.bytes)),
    );
    let forms = all_forms(&bundle);
    let bytes = pdf(&forms, &printed(), &font()).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("every-kind");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("forms.pdf"), &bytes).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(dir.join("forms.pdf"))
        .arg(dir.join("page"))
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(out.status.success(), "{out:?}");
    let pngs = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert!(
        pngs >= forms.iter().map(|f| f.forms.len()).sum::<usize>(),
        "{pngs} pages"
    );
    let text = pdftotext(&bytes);
    assert!(text.contains("家族構成") || text.contains("利用者基本情報"));
}

#[test]
fn a_family_picture_that_is_not_a_jpeg_is_named_and_the_other_forms_still_print() {
    let bundle = Bundle::new(
        every_kind(YearMonth::parse("202612").unwrap())
            .into_iter()
            .map(|f| {
                let bytes = if f.name.kind.is_image() {
                    b"\xFF\xD8\xFF not really a picture".to_vec()
                } else {
                    f.bytes
                };
                (f.name.to_string(), bytes)
            }),
    );
    let forms = all_forms(&bundle);
    assert!(
        forms
            .iter()
            .any(|f| f.forms.iter().any(|x| matches!(x, Form::Image(_))))
    );
    let text = squeezed(&pdftotext(&pdf(&forms, &printed(), &font()).unwrap()));
    assert!(
        text.contains("JPEGとして読めないため印刷できません"),
        "the picture is named"
    );
    assert!(
        text.contains("居宅サービス計画書（第1表）"),
        "the other forms printed"
    );
}

#[test]
fn a_font_file_without_japanese_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-font.ttf");
    std::fs::write(&path, b"not a font").unwrap();
    let e = PdfFont::open(&path).unwrap_err();
    assert!(e.to_string().contains("not-a-font.ttf"), "{e}");
}
