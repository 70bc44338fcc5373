//! `tessera import FILE`: accounts from an existing deployment, read from JSON Lines or CSV
//! as a stream (never the whole file in memory), imported with bounded concurrency through
//! [`Core::import_user`] (an upsert by e-mail, so a re-run updates and never duplicates),
//! with a progress bar (rate and ETA; periodic log lines when stderr is not a terminal),
//! a report of rejected rows and a final summary. The format is documented in
//! `docs/import.md`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value};
use tessera_core::services::{Core, ImportOptions, ImportOutcome, ImportedUser};
use tessera_core::CoreError;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Longest JSON line accepted; longer lines are rejected (and skipped) as rows.
const MAX_LINE_BYTES: usize = 64 * 1024;
/// Rejected rows printed on stderr when no `--report` file is given.
const MAX_PRINTED_REJECTIONS: u64 = 20;
/// Interval between progress log lines when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The columns (CSV) or keys (JSON) an import file may have; others are ignored.
pub const COLUMNS: [&str; 13] = [
    "email",
    "username",
    "name",
    "phone",
    "password_hash",
    "hash_format",
    "salt",
    "created_at",
    "status",
    "is_admin",
    "email_verified",
    "totp_secret",
    "invite_quota",
];

/// The layout of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

impl FileFormat {
    /// The format implied by the file name: `.jsonl`, `.ndjson`, `.json` or `.csv`.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" | "json" => Some(Self::Jsonl),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// What `tessera import` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportArgs {
    /// The file to read.
    pub file: PathBuf,
    /// Its layout; from the extension when absent.
    pub format: Option<FileFormat>,
    /// Validate and compare only.
    pub dry_run: bool,
    /// Where to write rejected rows (JSON Lines).
    pub report: Option<PathBuf>,
    /// Rows in flight at once.
    pub concurrency: usize,
    /// Replace password hashes Tessera wrote since the last import.
    pub overwrite_passwords: bool,
}

/// Counts at the end of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// New accounts.
    pub created: u64,
    /// Existing accounts changed.
    pub updated: u64,
    /// Existing accounts that already matched.
    pub unchanged: u64,
    /// Rows refused (see the report).
    pub rejected: u64,
    /// Time taken.
    pub elapsed: Duration,
}

impl Summary {
    /// Rows read.
    pub fn rows(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.rejected
    }

    fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.rows() as f64 / secs
        } else {
            0.0
        }
    }
}

/// A row that could not be turned into an account: where it is and why.
struct Rejection {
    line: u64,
    email: Option<String>,
    code: &'static str,
    reason: String,
}

/// One parsed row, or why it could not be parsed, with its position in the file.
struct Item {
    line: u64,
    /// Bytes of the file read so far (for progress).
    offset: u64,
    row: Result<ImportedUser, (Option<String>, String)>,
}

enum Message {
    Row(Box<Item>),
    /// The file cannot be read on (I/O error, broken CSV header).
    Fatal(String),
}

// ---------------------------------------------------------------------------------------
// Field conversion: JSON values and CSV cells to the core's import row.

fn text(v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err("must be a string".into()),
    }
}

fn boolean(v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err("must be a boolean (true/false, 1/0)".into()),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "t" | "1" | "yes" | "y" => Ok(Some(true)),
            "false" | "f" | "0" | "no" | "n" => Ok(Some(false)),
            _ => Err("must be a boolean (true/false, 1/0)".into()),
        },
        _ => Err("must be a boolean (true/false, 1/0)".into()),
    }
}

/// `active`/`blocked`, or a boolean-ish "enabled" flag (weplanx `status: true`, SSPanel
/// `enable = 1`).
fn status(v: &Value) -> Result<Option<String>, String> {
    if let Value::String(s) = v {
        let t = s.trim().to_ascii_lowercase();
        if !matches!(t.as_str(), "true" | "false" | "1" | "0" | "t" | "f") {
            return text(v);
        }
    }
    Ok(boolean(v)
        .map_err(|_| "must be active or blocked (or a boolean)".to_owned())?
        .map(|on| if on { "active" } else { "blocked" }.to_owned()))
}

fn integer(v: &Value) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| "must be an integer".into()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| "must be an integer".into()),
        _ => Err("must be an integer".into()),
    }
}

fn from_unix(secs: f64) -> Result<OffsetDateTime, String> {
    if !secs.is_finite() || !(0.0..=253_402_300_799.0).contains(&secs) {
        return Err("unix time out of range".into());
    }
    // In range, so the conversion is exact enough and cannot overflow.
    #[allow(clippy::cast_possible_truncation)]
    let nanos = (secs * 1e9).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|e| e.to_string())
}

/// RFC 3339, unix seconds, `YYYY-MM-DD HH:MM:SS` (MySQL/PostgreSQL text, read as UTC), or
/// MongoDB extended JSON `{"$date": ...}`.
fn timestamp(v: &Value) -> Result<Option<OffsetDateTime>, String> {
    const BAD: &str = "must be RFC 3339, unix seconds or YYYY-MM-DD HH:MM:SS";
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| BAD.to_owned())
            .and_then(from_unix)
            .map(Some),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            if let Ok(secs) = s.parse::<f64>() {
                return from_unix(secs).map(Some);
            }
            if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
                return Ok(Some(t));
            }
            let plain = time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"
            );
            PrimitiveDateTime::parse(s, plain)
                .map(|t| Some(t.assume_utc()))
                .map_err(|_| BAD.to_owned())
        }
        Value::Object(o) => match o.get("$date") {
            Some(Value::Object(inner)) => {
                let ms = integer(inner.get("$numberLong").unwrap_or(&Value::Null))?
                    .ok_or_else(|| BAD.to_owned())?;
                #[allow(clippy::cast_precision_loss)]
                from_unix(ms as f64 / 1000.0).map(Some)
            }
            Some(Value::Number(n)) => from_unix(n.as_f64().unwrap_or(f64::NAN) / 1000.0).map(Some),
            Some(d @ Value::String(_)) => timestamp(d),
            _ => Err(BAD.into()),
        },
        _ => Err(BAD.into()),
    }
}

/// Builds an import row from named values; `Err` lists the fields that have the wrong type.
fn to_row(fields: &Map<String, Value>) -> Result<ImportedUser, (Option<String>, String)> {
    let get = |k: &str| fields.get(k).unwrap_or(&Value::Null);
    let mut errors: Vec<String> = Vec::new();
    let mut take = |key: &str, r: Result<Option<String>, String>| {
        r.unwrap_or_else(|e| {
            errors.push(format!("{key}: {e}"));
            None
        })
    };
    let email = take("email", text(get("email")));
    let mut row = ImportedUser {
        email: email.clone().unwrap_or_default(),
        username: take("username", text(get("username"))),
        name: take("name", text(get("name"))),
        phone: take("phone", text(get("phone"))),
        password_hash: take("password_hash", text(get("password_hash"))),
        hash_format: take("hash_format", text(get("hash_format"))),
        salt: take("salt", text(get("salt"))),
        status: take("status", status(get("status"))),
        totp_secret: take("totp_secret", text(get("totp_secret"))),
        ..ImportedUser::default()
    };
    // The salt is significant as given (SSPanel's may have spaces); keep it untrimmed.
    if let Some(Value::String(s)) = fields.get("salt") {
        row.salt = Some(s.clone()).filter(|s| !s.is_empty());
    }
    match timestamp(get("created_at")) {
        Ok(t) => row.created_at = t,
        Err(e) => errors.push(format!("created_at: {e}")),
    }
    for (key, slot) in [
        ("is_admin", &mut row.is_admin),
        ("email_verified", &mut row.email_verified),
    ] {
        match boolean(get(key)) {
            Ok(b) => *slot = b,
            Err(e) => errors.push(format!("{key}: {e}")),
        }
    }
    match integer(get("invite_quota")) {
        Ok(q) => row.invite_quota = q,
        Err(e) => errors.push(format!("invite_quota: {e}")),
    }
    if errors.is_empty() {
        Ok(row)
    } else {
        Err((email, errors.join("; ")))
    }
}

// ---------------------------------------------------------------------------------------
// Readers: run on a blocking thread, send rows down a bounded channel.

fn warn_unknown<'a>(keys: impl Iterator<Item = &'a str>, warned: &mut Vec<String>) {
    for k in keys {
        if !COLUMNS.contains(&k) && !warned.iter().any(|w| w == k) {
            tracing::warn!(column = k, "ignoring an unknown column");
            warned.push(k.to_owned());
        }
    }
}

/// Reads one line of at most `MAX_LINE_BYTES`; a longer one is consumed and reported as
/// `Err(bytes consumed)`.
fn read_line_bounded(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
) -> std::io::Result<Result<usize, usize>> {
    buf.clear();
    let limit = u64::try_from(MAX_LINE_BYTES).unwrap_or(u64::MAX) + 1;
    let n = r.by_ref().take(limit).read_until(b'\n', buf)?;
    if n <= MAX_LINE_BYTES || buf.ends_with(b"\n") {
        return Ok(Ok(n));
    }
    let mut skipped = n;
    let mut sink = Vec::new();
    loop {
        sink.clear();
        let m = r.by_ref().take(limit).read_until(b'\n', &mut sink)?;
        skipped += m;
        if m == 0 || sink.ends_with(b"\n") {
            return Ok(Err(skipped));
        }
    }
}

fn read_jsonl(file: File, tx: &mpsc::Sender<Message>) -> Result<(), String> {
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut buf = Vec::with_capacity(1024);
    let (mut line, mut offset) = (0u64, 0u64);
    let mut warned = Vec::new();
    loop {
        let got = read_line_bounded(&mut reader, &mut buf)
            .map_err(|e| format!("cannot read line {}: {e}", line + 1))?;
        line += 1;
        let row = match got {
            Ok(0) => return Ok(()),
            Ok(n) => {
                offset += n as u64;
                let mut bytes = buf.as_slice();
                if line == 1 {
                    bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
                }
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match serde_json::from_slice::<Value>(bytes) {
                    Ok(Value::Object(map)) => {
                        warn_unknown(map.keys().map(String::as_str), &mut warned);
                        to_row(&map)
                    }
                    Ok(_) => Err((None, "not a JSON object".to_owned())),
                    Err(e) => Err((None, format!("invalid JSON: {e}"))),
                }
            }
            Err(n) => {
                offset += n as u64;
                Err((None, format!("line longer than {MAX_LINE_BYTES} bytes")))
            }
        };
        let item = Item { line, offset, row };
        if tx.blocking_send(Message::Row(Box::new(item))).is_err() {
            return Ok(()); // the importer stopped (a fatal store error)
        }
    }
}

fn read_csv(file: File, tx: &mpsc::Sender<Message>) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::with_capacity(256 * 1024, file));
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    if !headers.iter().any(|h| h == "email") {
        return Err("the CSV header has no `email` column".into());
    }
    let mut warned = Vec::new();
    warn_unknown(headers.iter().map(String::as_str), &mut warned);
    let mut record = csv::StringRecord::new();
    loop {
        let more = match reader.read_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                // A broken record (bad UTF-8, an unterminated quote) is a rejected row as
                // long as the reader can go on; an I/O error ends the import.
                if let csv::ErrorKind::Io(io) = e.kind() {
                    return Err(format!("cannot read the file: {io}"));
                }
                let (line, offset) = e.position().map_or((0, 0), |p| (p.line(), p.byte()));
                let item = Item {
                    line,
                    offset,
                    row: Err((None, format!("invalid CSV: {e}"))),
                };
                if tx.blocking_send(Message::Row(Box::new(item))).is_err() {
                    return Ok(());
                }
                continue;
            }
        };
        if !more {
            return Ok(());
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = if record.len() > headers.len() {
            Err((
                None,
                format!("{} cells for {} columns", record.len(), headers.len()),
            ))
        } else {
            let map: Map<String, Value> = headers
                .iter()
                .zip(record.iter())
                .filter(|(h, _)| COLUMNS.contains(&h.as_str()))
                .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
                .collect();
            to_row(&map)
        };
        let item = Item {
            line,
            offset: reader.position().byte(),
            row,
        };
        if tx.blocking_send(Message::Row(Box::new(item))).is_err() {
            return Ok(());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reasons, progress and the report.

fn field_reason(field: &str, tag: &str) -> String {
    let why = match (field, tag) {
        (_, "required") if field == "hash_format" => {
            "required for this hash (md5 and sha256 digests cannot be detected)"
        }
        (_, "required") => "missing",
        ("email", _) => "not a valid e-mail address",
        ("phone", _) => "not a valid phone number",
        ("username", _) => "1 to 64 letters, digits, '_', '-' or '.'",
        ("name", _) => "longer than 100 characters or has control characters",
        ("hash_format", _) => "unknown (argon2, bcrypt, pbkdf2_sha256, md5, sha256)",
        ("password_hash", "range") => "cost parameters outside the accepted range",
        ("password_hash", _) => "not a well-formed hash of its hash_format",
        ("salt", "unexpected") => "only md5 and sha256 hashes take a salt",
        ("salt", _) => "longer than 256 bytes",
        ("created_at", _) => "in the future",
        ("status", _) => "must be active or blocked",
        ("totp_secret", _) => "not a base32 secret of 80 to 512 bits",
        ("invite_quota", _) => "must be -1 (unlimited) or more",
        _ => tag,
    };
    format!("{field}: {why}")
}

fn reason(e: &CoreError) -> String {
    match e {
        CoreError::InvalidInput(fields) => fields
            .iter()
            .map(|f| field_reason(f.field, f.tag))
            .collect::<Vec<_>>()
            .join("; "),
        CoreError::PhoneTaken => "phone: belongs to another account".into(),
        CoreError::UsernameTaken => "username: belongs to another account".into(),
        CoreError::EmailTaken => "email: belongs to another account".into(),
        other => other.code().replace('_', " "),
    }
}

struct Progress {
    bar: ProgressBar,
    interactive: bool,
    total_bytes: u64,
    started: Instant,
    last_draw: Instant,
    last_log: Instant,
}

impl Progress {
    fn new(total_bytes: u64) -> Self {
        let interactive = std::io::stderr().is_terminal();
        let bar = if interactive {
            let bar =
                ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{wide_bar}] {percent:>3}% ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        } else {
            ProgressBar::hidden()
        };
        let now = Instant::now();
        Self {
            bar,
            interactive,
            total_bytes,
            started: now,
            last_draw: now,
            last_log: now,
        }
    }

    fn update(&mut self, offset: u64, s: &Summary) {
        let now = Instant::now();
        let rows = s.rows();
        let secs = now.duration_since(self.started).as_secs_f64();
        let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
        if self.interactive {
            self.bar.set_position(offset.min(self.total_bytes));
            if now.duration_since(self.last_draw) >= Duration::from_millis(100) {
                self.last_draw = now;
                self.bar.set_message(format!(
                    "{rows} rows, {rate:.0} rows/s, {} rejected",
                    s.rejected
                ));
            }
        } else if now.duration_since(self.last_log) >= LOG_EVERY {
            self.last_log = now;
            #[allow(clippy::cast_precision_loss)]
            let done = if self.total_bytes > 0 {
                offset as f64 / self.total_bytes as f64
            } else {
                0.0
            };
            let eta = if done > 0.0 { secs / done - secs } else { 0.0 };
            tracing::info!(
                rows,
                rejected = s.rejected,
                percent = format!("{:.1}", done * 100.0),
                rows_per_sec = format!("{rate:.0}"),
                eta_secs = format!("{eta:.0}"),
                "import progress"
            );
        }
    }

    fn println(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

struct Collector {
    summary: Summary,
    report: Option<BufWriter<File>>,
    progress: Progress,
}

impl Collector {
    fn reject(&mut self, r: Rejection) -> Result<(), String> {
        self.summary.rejected += 1;
        match &mut self.report {
            Some(w) => {
                let line = serde_json::json!({
                    "line": r.line, "email": r.email, "error": r.code, "reason": r.reason,
                });
                writeln!(w, "{line}").map_err(|e| format!("cannot write the report: {e}"))?;
            }
            None if self.summary.rejected <= MAX_PRINTED_REJECTIONS => {
                self.progress.println(&format!(
                    "line {}: {}{}",
                    r.line,
                    r.email.map(|e| format!("<{e}> ")).unwrap_or_default(),
                    r.reason
                ));
            }
            None => {}
        }
        Ok(())
    }

    /// Counts one row's result; a store failure is fatal (returned as `Err`).
    fn outcome(
        &mut self,
        line: u64,
        email: String,
        result: Result<ImportOutcome, CoreError>,
    ) -> Result<(), String> {
        match result {
            Ok(ImportOutcome::Created) => self.summary.created += 1,
            Ok(ImportOutcome::Updated) => self.summary.updated += 1,
            Ok(ImportOutcome::Unchanged) => self.summary.unchanged += 1,
            Err(CoreError::Internal(cause)) => {
                return Err(format!("store error at line {line}: {cause}"));
            }
            Err(e) => self.reject(Rejection {
                line,
                email: Some(email),
                code: e.code(),
                reason: reason(&e),
            })?,
        }
        Ok(())
    }
}

type Done = (u64, String, Result<ImportOutcome, CoreError>);

/// Imports `args.file` into `core`. Rejected rows are counted and reported, not fatal; an
/// unreadable file or a store failure is (`Err`), after the rows in flight finish.
pub async fn import_file(core: &Core, args: &ImportArgs) -> Result<Summary, String> {
    let format = match args.format {
        Some(f) => f,
        None => FileFormat::from_path(&args.file).ok_or_else(|| {
            format!(
                "cannot tell the format of {} from its name; pass --format jsonl|csv",
                args.file.display()
            )
        })?,
    };
    let file =
        File::open(&args.file).map_err(|e| format!("cannot open {}: {e}", args.file.display()))?;
    let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let report = args
        .report
        .as_ref()
        .map(|p| {
            File::create(p)
                .map(BufWriter::new)
                .map_err(|e| format!("cannot create the report {}: {e}", p.display()))
        })
        .transpose()?;
    let concurrency = args.concurrency.max(1);
    let opts = ImportOptions {
        dry_run: args.dry_run,
        overwrite_passwords: args.overwrite_passwords,
    };
    let (tx, mut rx) = mpsc::channel::<Message>(concurrency * 4 + 64);
    let reader = tokio::task::spawn_blocking(move || {
        let res = match format {
            FileFormat::Jsonl => read_jsonl(file, &tx),
            FileFormat::Csv => read_csv(file, &tx),
        };
        if let Err(e) = res {
            let _ = tx.blocking_send(Message::Fatal(e));
        }
    });

    let started = Instant::now();
    let mut c = Collector {
        summary: Summary::default(),
        report,
        progress: Progress::new(total_bytes),
    };
    let mut inflight: JoinSet<Done> = JoinSet::new();
    let mut fatal = None;
    while let Some(msg) = rx.recv().await {
        let item = match msg {
            Message::Row(item) => *item,
            Message::Fatal(e) => {
                fatal = Some(e);
                break;
            }
        };
        match item.row {
            Err((email, why)) => {
                if let Err(e) = c.reject(Rejection {
                    line: item.line,
                    email,
                    code: "invalid_row",
                    reason: why,
                }) {
                    fatal = Some(e);
                    break;
                }
            }
            Ok(row) => {
                while inflight.len() >= concurrency {
                    if let Some(done) = inflight.join_next().await {
                        if let Err(e) = finish_one(&mut c, done) {
                            fatal = Some(e);
                            break;
                        }
                    }
                }
                if fatal.is_some() {
                    break;
                }
                let core = core.clone();
                let line = item.line;
                inflight.spawn(async move {
                    let email = row.email.clone();
                    (line, email, core.import_user(row, opts).await)
                });
            }
        }
        c.summary.elapsed = started.elapsed();
        c.progress.update(item.offset, &c.summary);
    }
    drop(rx); // stops the reader if it is still going
    while let Some(done) = inflight.join_next().await {
        if let Err(e) = finish_one(&mut c, done) {
            fatal.get_or_insert(e);
        }
    }
    let _ = reader.await;
    c.progress.finish();
    c.summary.elapsed = started.elapsed();
    if let Some(w) = &mut c.report {
        w.flush()
            .map_err(|e| format!("cannot write the report: {e}"))?;
    }
    match fatal {
        Some(e) => Err(format!(
            "{e} (stopped after {} rows: {} created, {} updated, {} unchanged, {} rejected; \
             re-running the import is safe)",
            c.summary.rows(),
            c.summary.created,
            c.summary.updated,
            c.summary.unchanged,
            c.summary.rejected
        )),
        None => Ok(c.summary),
    }
}

fn finish_one(c: &mut Collector, done: Result<Done, tokio::task::JoinError>) -> Result<(), String> {
    let (line, email, result) = done.map_err(|e| format!("import task failed: {e}"))?;
    c.outcome(line, email, result)
}

/// The lines `tessera import` prints when it is done.
pub fn render_summary(s: &Summary, args: &ImportArgs) -> String {
    let mut out = format!(
        "{}{} created, {} updated, {} unchanged, {} rejected; {} rows in {:.1} s ({:.0} rows/s)",
        if args.dry_run {
            "dry run (nothing written): "
        } else {
            "imported: "
        },
        s.created,
        s.updated,
        s.unchanged,
        s.rejected,
        s.rows(),
        s.elapsed.as_secs_f64(),
        s.rate()
    );
    if s.rejected > 0 {
        match &args.report {
            Some(p) => out.push_str(&format!("\nrejected rows: {}", p.display())),
            None if s.rejected > MAX_PRINTED_REJECTIONS => out.push_str(&format!(
                "\n{} more rejected rows not shown; use --report FILE to list them all",
                s.rejected - MAX_PRINTED_REJECTIONS
            )),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Result<ImportedUser, (Option<String>, String)> {
        to_row(v.as_object().unwrap())
    }

    #[test]
    fn values_convert_from_json_and_csv_text() {
        let r = row(json!({
            "email": "a@example.com", "phone": 8613800138000_i64, "status": true,
            "is_admin": "t", "created_at": 1_600_000_000, "invite_quota": "-1",
            "email_verified": 1, "salt": " s "
        }))
        .unwrap();
        assert_eq!(r.phone.as_deref(), Some("8613800138000"));
        assert_eq!(r.status.as_deref(), Some("active"));
        assert_eq!(r.is_admin, Some(true));
        assert_eq!(r.email_verified, Some(true));
        assert_eq!(r.invite_quota, Some(-1));
        assert_eq!(r.salt.as_deref(), Some(" s "), "salts are kept as given");
        assert_eq!(r.created_at.unwrap().unix_timestamp(), 1_600_000_000);

        for (v, want) in [
            (json!("2021-03-04T05:06:07Z"), 1_614_834_367),
            (json!("2021-03-04 05:06:07"), 1_614_834_367),
            (json!("2021-03-04 05:06:07.250"), 1_614_834_367),
            (json!("1614834367"), 1_614_834_367),
            (json!({"$date": "2021-03-04T05:06:07.000Z"}), 1_614_834_367),
            (
                json!({"$date": {"$numberLong": "1614834367000"}}),
                1_614_834_367,
            ),
        ] {
            assert_eq!(
                timestamp(&v).unwrap().unwrap().unix_timestamp(),
                want,
                "{v}"
            );
        }
        assert_eq!(status(&json!(0)).unwrap().as_deref(), Some("blocked"));
        assert_eq!(
            status(&json!("Blocked")).unwrap().as_deref(),
            Some("Blocked")
        );

        let Err((email, why)) = row(json!({
            "email": "b@example.com", "is_admin": "maybe", "created_at": "yesterday",
            "invite_quota": 1.5, "name": ["x"]
        })) else {
            panic!("type errors are rejected")
        };
        assert_eq!(email.as_deref(), Some("b@example.com"));
        for key in ["is_admin", "created_at", "invite_quota", "name"] {
            assert!(why.contains(key), "{why}");
        }
    }

    #[test]
    fn long_lines_are_skipped_whole() {
        let long = "x".repeat(MAX_LINE_BYTES * 2 + 10);
        let data = format!("{{\"a\":1}}\n{long}\n{{\"b\":2}}\n");
        let mut r = BufReader::with_capacity(1024, data.as_bytes());
        let mut buf = Vec::new();
        assert_eq!(read_line_bounded(&mut r, &mut buf).unwrap(), Ok(8));
        assert_eq!(
            read_line_bounded(&mut r, &mut buf).unwrap(),
            Err(long.len() + 1)
        );
        assert_eq!(read_line_bounded(&mut r, &mut buf).unwrap(), Ok(8));
        assert_eq!(buf, b"{\"b\":2}\n");
        assert_eq!(read_line_bounded(&mut r, &mut buf).unwrap(), Ok(0));
    }

    #[test]
    fn formats_from_extensions() {
        assert_eq!(
            FileFormat::from_path(Path::new("a/users.JSONL")),
            Some(FileFormat::Jsonl)
        );
        assert_eq!(
            FileFormat::from_path(Path::new("users.csv")),
            Some(FileFormat::Csv)
        );
        assert_eq!(FileFormat::from_path(Path::new("users.txt")), None);
    }
}
