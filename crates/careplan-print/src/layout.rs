//! Laying forms out on pages: a heading on every page, wrapped text, and tables whose header
//! repeats on each page they run onto.

use crate::font::PdfFont;
use crate::page::{MARGIN, Op, PageOut};

/// Space between lines, as a multiple of the font size.
const LEADING: f32 = 1.3;
/// Padding inside a table cell.
const PAD: f32 = 2.5;

/// What heads every page of a form.
#[derive(Debug, Clone)]
pub(crate) struct Heading {
    /// The form's name.
    pub title: String,
    /// Who it is about.
    pub user: String,
    /// Which file and offices it came from.
    pub source: String,
}

/// Where text sits in its cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Align {
    #[default]
    Left,
    Center,
    /// Numbers.
    Right,
}

/// A column of a table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    pub width: f32,
    pub align: Align,
}

impl Col {
    pub(crate) fn new(width: f32, align: Align) -> Col {
        Col { width, align }
    }
}

/// A cell; `None` in a row continues the cell above (a cell spanning rows).
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub text: String,
    /// Grey behind the cell (255 white).
    pub grey: Option<u8>,
    /// Overrides the column's alignment (headings are centred).
    pub align: Option<Align>,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            grey: None,
            align: None,
        }
    }

    pub(crate) fn grey(text: impl Into<String>, grey: u8) -> Cell {
        Cell {
            text: text.into(),
            grey: Some(grey),
            align: None,
        }
    }

    /// A heading: grey, centred.
    pub(crate) fn head(text: impl Into<String>, grey: u8) -> Cell {
        Cell {
            text: text.into(),
            grey: Some(grey),
            align: Some(Align::Center),
        }
    }
}

/// A row: its cells, and whether it must stay on the page of the row after it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub cells: Vec<Option<Cell>>,
    pub keep_with_next: bool,
}

impl Row {
    pub(crate) fn of(cells: Vec<Option<Cell>>) -> Row {
        Row {
            cells,
            keep_with_next: false,
        }
    }
}

/// A table: columns, header rows (repeated on every page) and rows.
pub(crate) struct Table {
    pub cols: Vec<Col>,
    pub head: Vec<Row>,
    pub rows: Vec<Row>,
    pub size: f32,
}

/// The pages of one document being laid out.
pub(crate) struct Pages<'f> {
    font: &'f PdfFont,
    pub done: Vec<PageOut>,
    page: Option<PageOut>,
    heading: Option<Heading>,
    landscape: bool,
    /// Where the next thing goes.
    pub y: f32,
}

impl<'f> Pages<'f> {
    pub(crate) fn new(font: &'f PdfFont) -> Pages<'f> {
        Pages {
            font,
            done: Vec::new(),
            page: None,
            heading: None,
            landscape: true,
            y: MARGIN,
        }
    }

    /// Starts a form on a new page.
    pub(crate) fn form(&mut self, heading: Heading, landscape: bool) {
        self.heading = Some(heading);
        self.landscape = landscape;
        self.new_page();
    }

    /// Width between the margins.
    pub(crate) fn width(&self) -> f32 {
        self.page.as_ref().map_or(0.0, |p| p.w) - 2.0 * MARGIN
    }

    fn bottom(&self) -> f32 {
        self.page.as_ref().map_or(0.0, |p| p.h) - MARGIN
    }

    /// Room left on this page.
    pub(crate) fn room(&self) -> f32 {
        self.bottom() - self.y
    }

    pub(crate) fn new_page(&mut self) {
        if let Some(p) = self.page.take() {
            self.done.push(p);
        }
        self.page = Some(PageOut::new(self.landscape));
        self.y = MARGIN;
        if let Some(h) = self.heading.clone() {
            let w = self.width();
            let size = 13.0;
            let tw = self.font.width(&h.title, size);
            self.text(
                MARGIN + (w - tw).max(0.0) / 2.0,
                self.y + size,
                size,
                &h.title,
            );
            self.y += size * LEADING + 4.0;
            self.text(MARGIN, self.y + 9.0, 9.0, &h.user);
            self.y += 9.0 * LEADING;
            for line in self.wrap(&h.source, w, 6.5) {
                self.text(MARGIN, self.y + 6.5, 6.5, &line);
                self.y += 6.5 * LEADING;
            }
            self.y += 4.0;
        }
    }

    /// Ends the document: every page laid out.
    pub(crate) fn finish(mut self) -> Vec<PageOut> {
        if let Some(p) = self.page.take() {
            self.done.push(p);
        }
        self.done
    }

    fn op(&mut self, op: Op) {
        if self.page.is_none() {
            self.new_page();
        }
        if let Some(p) = self.page.as_mut() {
            p.ops.push(op);
        }
    }

    pub(crate) fn text(&mut self, x: f32, baseline: f32, size: f32, text: &str) {
        self.op(Op::Text {
            x,
            y: baseline,
            size,
            text: text.to_owned(),
        });
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.op(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width: 0.5,
        });
    }

    /// Draws a JPEG fitted into the rest of the page.
    pub(crate) fn jpeg(&mut self, data: Vec<u8>) {
        let (w, h) = (self.width(), self.room());
        self.op(Op::Jpeg {
            x: MARGIN,
            y: self.y,
            w,
            h,
            data,
        });
        self.y = self.bottom();
    }

    /// A grey box at (x, y) from the page's top left (0 black … 255 white).
    pub(crate) fn shade(&mut self, x: f32, y: f32, w: f32, h: f32, grey: u8) {
        self.op(Op::Shade { x, y, w, h, grey });
    }

    /// A paragraph of text across the page.
    pub(crate) fn paragraph(&mut self, text: &str, size: f32) {
        for line in self.wrap(text, self.width(), size) {
            if self.room() < size * LEADING {
                self.new_page();
            }
            self.text(MARGIN, self.y + size, size, &line);
            self.y += size * LEADING;
        }
        self.y += size * 0.5;
    }

    /// `text` broken into lines no wider than `width`: at line breaks, and between any two
    /// characters where it must (Japanese has no spaces to break at).
    pub(crate) fn wrap(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let para = para.trim_end_matches('\r');
            let mut line = String::new();
            let mut w = 0.0;
            for c in para.chars() {
                let cw = self.font.advance(c) * size;
                if w + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    w = 0.0;
                }
                line.push(c);
                w += cw;
            }
            lines.push(line);
        }
        lines
    }

    fn row_height(&self, t: &Table, row: &Row) -> f32 {
        let lines = row
            .cells
            .iter()
            .zip(&t.cols)
            .filter_map(|(c, col)| {
                c.as_ref()
                    .map(|c| self.wrap(&c.text, col.width - 2.0 * PAD, t.size).len())
            })
            .max()
            .unwrap_or(1)
            .max(1);
        lines as f32 * t.size * LEADING + 2.0 * PAD
    }

    fn draw_row(&mut self, t: &Table, row: &Row, next: Option<&Row>, top_line: bool) {
        let h = self.row_height(t, row);
        let (x0, y0) = (MARGIN, self.y);
        let mut x = x0;
        for (i, col) in t.cols.iter().enumerate() {
            let cell = row.cells.get(i).cloned().flatten();
            if let Some(c) = &cell {
                if let Some(grey) = c.grey {
                    // Inside the lines, so that it hides none of them.
                    self.op(Op::Shade {
                        x: x + 0.3,
                        y: y0 + 0.3,
                        w: col.width - 0.6,
                        h: h - 0.6,
                        grey,
                    });
                }
                if top_line {
                    self.line(x, y0, x + col.width, y0);
                }
                for (n, line) in self
                    .wrap(&c.text, col.width - 2.0 * PAD, t.size)
                    .into_iter()
                    .enumerate()
                {
                    let free = col.width - 2.0 * PAD - self.font.width(&line, t.size);
                    let lx = match c.align.unwrap_or(col.align) {
                        Align::Left => x + PAD,
                        Align::Center => x + PAD + free.max(0.0) / 2.0,
                        Align::Right => x + PAD + free.max(0.0),
                    };
                    let baseline = y0 + PAD + t.size * (0.9 + n as f32 * LEADING);
                    self.text(lx, baseline, t.size, &line);
                }
            }
            // The bottom line, unless the next row continues this cell.
            let continued = next.is_some_and(|n| n.cells.get(i).is_some_and(Option::is_none));
            if !continued {
                self.line(x, y0 + h, x + col.width, y0 + h);
            }
            self.line(x, y0, x, y0 + h);
            x += col.width;
        }
        self.line(x, y0, x, y0 + h);
        self.y += h;
    }

    fn draw_head(&mut self, t: &Table) {
        for (i, row) in t.head.iter().enumerate() {
            self.draw_row(t, row, t.head.get(i + 1), true);
        }
    }

    /// Draws a table from `y`, onto further pages (header repeated) as it needs.
    pub(crate) fn table(&mut self, t: &Table) {
        let head: f32 = t.head.iter().map(|r| self.row_height(t, r)).sum();
        if self.room() < head + 3.0 * t.size {
            self.new_page();
        }
        self.draw_head(t);
        let mut i = 0;
        while i < t.rows.len() {
            // Rows kept together move to the next page together.
            let mut end = i;
            while t.rows[end].keep_with_next && end + 1 < t.rows.len() {
                end += 1;
            }
            let block: f32 = t.rows[i..=end].iter().map(|r| self.row_height(t, r)).sum();
            if block > self.room() && self.y > MARGIN + head + 60.0 {
                self.new_page();
                self.draw_head(t);
            }
            for k in i..=end {
                let first = k == i;
                self.draw_row(t, &t.rows[k], t.rows.get(k + 1).filter(|_| k < end), first);
            }
            i = end + 1;
        }
        self.y += 8.0;
    }
}
