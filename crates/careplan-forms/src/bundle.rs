//! Files read for viewing, and the users in them: the index a viewer opens first, so that the
//! list of users is ready before any one user's forms are built.

use std::collections::HashMap;

use careplan_csv::record::{self, ParseError, Record};
use careplan_csv::{FileKind, FileName};
use serde::Serialize;

/// A user as the standard keys them in every file: 保険者番号 + 被保険者番号.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct UserKey {
    /// 保険者番号.
    pub insurer: String,
    /// 被保険者番号.
    pub insured: String,
}

impl UserKey {
    /// The user a record is of (No.2 and No.3 of every file type).
    pub(crate) fn of(r: &Record) -> UserKey {
        UserKey {
            insurer: r.get(2).to_owned(),
            insured: r.get(3).to_owned(),
        }
    }
}

/// One file as read: its records, or why they could not be read.
#[derive(Debug)]
pub struct ReadFile {
    /// The name as given.
    pub name: String,
    /// The name parsed, when it is a name of the standard.
    pub file_name: Option<FileName>,
    /// The file type, from the name.
    pub kind: Option<FileKind>,
    /// Its records (empty when unreadable, and for images).
    pub records: Vec<Record>,
    /// Why the records could not be read, in Japanese; `None` when they were.
    pub problem: Option<String>,
    /// The bytes of an image (家族構成 JPEG); CSV bytes are not kept.
    pub image: Option<Vec<u8>>,
}

/// A user in the list a viewer shows first.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserEntry {
    /// The user's key.
    pub key: UserKey,
    /// 利用者氏名, from 利用者補足情報, 利用者基本情報 or the 介護予防 plan; `None` when no file
    /// of the bundle names the user (第6表 and 第1表 carry no name).
    pub name: Option<String>,
    /// フリガナ, when a file gives it.
    pub kana: Option<String>,
    /// File types (prefixes) that hold records of this user, in file order.
    pub kinds: Vec<&'static str>,
}

/// Files opened together (a unit, a folder, a drop), indexed by user.
#[derive(Debug, Default)]
pub struct Bundle {
    files: Vec<ReadFile>,
    /// Users in order of first appearance, as the care software wrote them.
    order: Vec<UserKey>,
    /// Per user: (file, record) positions, in file then record order.
    index: HashMap<UserKey, Vec<(u32, u32)>>,
    /// Names and フリガナ known from files outside the bundle, for users its files do not name.
    names: HashMap<UserKey, (Option<String>, Option<String>)>,
}

fn problem(e: &ParseError) -> String {
    match e {
        ParseError::Io(e) => format!("読み込めませんでした（{e}）。"),
        ParseError::Encoding { line } => format!(
            "{line}行目がShift-JIS（MS932）の文字ではありません。ケアソフトから出力し直してください。"
        ),
        ParseError::Syntax { line } => {
            format!("{line}行目の \" の対応が崩れています。ケアソフトから出力し直してください。")
        }
        ParseError::Record { line, source } => format!(
            "{line}行目の項目数が標準仕様と違います（{source}）。ケアソフトから出力し直してください。"
        ),
    }
}

impl Bundle {
    /// Reads files given as (name, bytes). A file that cannot be read is kept with its problem,
    /// so the viewer can say which one and why; the others are still shown.
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Bundle {
        let mut bundle = Bundle::default();
        for (name, bytes) in files {
            bundle.add(name, bytes);
        }
        bundle
    }

    /// Adds a file that could not be read, with the reason in Japanese.
    pub fn add_unreadable(&mut self, name: String, problem: String) {
        let file_name = FileName::parse(&name).ok();
        self.files.push(ReadFile {
            kind: file_name.as_ref().map(|n| n.kind),
            file_name,
            name,
            records: Vec::new(),
            problem: Some(problem),
            image: None,
        });
    }

    /// Adds a file given as its name and bytes.
    pub fn add(&mut self, name: String, bytes: Vec<u8>) {
        let file_name = FileName::parse(&name).ok();
        let kind = file_name
            .as_ref()
            .map(|n| n.kind)
            .or_else(|| FileKind::match_name_prefix(&name));
        let mut file = ReadFile {
            name,
            file_name,
            kind,
            records: Vec::new(),
            problem: None,
            image: None,
        };
        match kind {
            None => {
                file.problem =
                    Some("標準仕様のファイル名ではないため、どの帳票か分かりません。".to_owned());
            }
            Some(k) if k.is_image() => file.image = Some(bytes),
            Some(k) => match record::parse(k, &bytes[..]) {
                Ok(records) => file.records = records,
                Err(e) => file.problem = Some(problem(&e)),
            },
        }
        let at = self.files.len() as u32;
        for (i, r) in file.records.iter().enumerate() {
            let key = UserKey::of(r);
            let slots = self.index.entry(key).or_insert_with_key(|k| {
                self.order.push(k.clone());
                Vec::new()
            });
            slots.push((at, i as u32));
        }
        self.files.push(file);
    }

    /// Takes the names `other` gives users this bundle's files do not name: a 第6表 or 実績
    /// carries no name, the 利用者補足情報 sent with it (or earlier) does.
    pub fn borrow_names(&mut self, other: &Bundle) {
        for key in &self.order {
            if self.names.contains_key(key) {
                continue;
            }
            if let Some(e) = other.user(key).filter(|e| e.name.is_some()) {
                self.names.insert(key.clone(), (e.name, e.kana));
            }
        }
    }

    /// Every file, in the order given.
    pub fn files(&self) -> &[ReadFile] {
        &self.files
    }

    /// The users, in order of first appearance, with the names the files give them.
    pub fn users(&self) -> Vec<UserEntry> {
        self.order.iter().map(|k| self.entry(k)).collect()
    }

    /// Whether the bundle has records of this user.
    pub fn has_user(&self, key: &UserKey) -> bool {
        self.index.contains_key(key)
    }

    fn entry(&self, key: &UserKey) -> UserEntry {
        let mut e = UserEntry {
            key: key.clone(),
            name: None,
            kana: None,
            kinds: Vec::new(),
        };
        for (file, r) in self.records_of(key) {
            let Some(kind) = file.kind else { continue };
            if !e.kinds.contains(&kind.prefix()) {
                e.kinds.push(kind.prefix());
            }
            let (name, kana) = match kind {
                FileKind::UpHosoku => (6, Some(5)),
                FileKind::UpKihon => (15, Some(14)),
                FileKind::UpYobo => (8, None),
                _ => continue,
            };
            if e.name.is_none() && !r.get(name).is_empty() {
                e.name = Some(r.get(name).to_owned());
            }
            if let Some(kana) = kana
                && e.kana.is_none()
                && !r.get(kana).is_empty()
            {
                e.kana = Some(r.get(kana).to_owned());
            }
        }
        if e.name.is_none()
            && let Some((name, kana)) = self.names.get(key)
        {
            e.name.clone_from(name);
            e.kana.clone_from(kana);
        }
        e
    }

    /// The user's entry, when the bundle has records of them.
    pub fn user(&self, key: &UserKey) -> Option<UserEntry> {
        self.has_user(key).then(|| self.entry(key))
    }

    /// Every record of a user with the file it is in, in file then record order.
    pub fn records_of<'a>(
        &'a self,
        key: &UserKey,
    ) -> impl Iterator<Item = (&'a ReadFile, &'a Record)> + 'a {
        self.index
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&(f, r)| {
                let file = &self.files[f as usize];
                (file, &file.records[r as usize])
            })
    }
}
