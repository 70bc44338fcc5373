//! Uploads (`PUT /api`, multipart: `source`, `type`, `module`, `param`) and the two
//! download paths. The caller is checked before the body is read; the bytes are read with
//! a cap, and the core applies the per-kind limits, the quota and the image check.

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tessera_core::domain::UserId;
use tessera_core::error::CoreError;
use tessera_core::services::Download;

use super::caller::Caller;
use super::{code_of, codes, language, render, Out, DIALECT};
use crate::client::Client;
use crate::AppState;

/// Longest text field of an upload form.
const MAX_TEXT_FIELD: usize = 256;

/// What the form asked for.
#[derive(Debug, Default)]
struct Form {
    source: Option<(Vec<u8>, Option<String>, Option<String>)>,
    kind: Option<String>,
    module: Option<String>,
    param: Option<String>,
    language: Option<String>,
}

fn multipart_code(e: &MultipartError) -> &'static str {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        codes::FILE_TOO_LARGE
    } else {
        codes::BAD_UPLOAD
    }
}

async fn read_form(mut mp: Multipart, cap: usize) -> Result<Form, &'static str> {
    let mut form = Form::default();
    while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_code(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "source" {
            if form.source.is_some() {
                return Err(codes::BAD_UPLOAD);
            }
            let file_name = field.file_name().map(str::to_owned);
            let declared = field.content_type().map(str::to_owned);
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_code(&e))? {
                if bytes.len() + chunk.len() > cap {
                    return Err(codes::FILE_TOO_LARGE);
                }
                bytes.extend_from_slice(&chunk);
            }
            form.source = Some((bytes, file_name, declared));
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_code(&e))? {
            if text.len() + chunk.len() > MAX_TEXT_FIELD {
                return Err(codes::BAD_UPLOAD);
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text).map_err(|_| codes::BAD_UPLOAD)?;
        let slot = match name.as_str() {
            "type" => &mut form.kind,
            "module" => &mut form.module,
            "param" => &mut form.param,
            "language" => &mut form.language,
            _ => continue,
        };
        *slot = Some(text.trim().to_owned());
    }
    Ok(form)
}

/// `PUT /api`: `user/upload-avatar` or `user/upload-file`.
pub async fn upload(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let now = st.core.now().unix_timestamp();
    let default_lang = st.config.ugene.default_language.clone();
    let caller = match Caller::resolve(&st.core, &headers).await {
        Ok(c) => c,
        Err(e) => {
            return render(
                Out::failed(&e, codes::INTERNAL),
                &default_lang,
                json!({}),
                now,
            )
        }
    };
    let session = caller.session(now, st.config.ugene.session_secs);
    let auth = match caller.signed(codes::ACTION_REFUSED) {
        Ok((auth, _)) => auth,
        Err(code) => return render(Out::error(code), &default_lang, json!({}), now),
    };
    let Ok(multipart) = multipart else {
        return render(Out::error(codes::BAD_UPLOAD), &default_lang, session, now);
    };
    let limits = &st.core.config().files;
    let cap =
        usize::try_from(limits.max_file_bytes.max(limits.max_avatar_bytes)).unwrap_or(usize::MAX);
    let form = match read_form(multipart, cap).await {
        Ok(f) => f,
        Err(code) => return render(Out::error(code), &default_lang, session, now),
    };
    let lang = language(form.language.as_deref(), &default_lang);
    if form.module.as_deref().is_some_and(|m| m != "user") {
        return render(Out::error(codes::UNKNOWN_MODULE), &lang, session, now);
    }
    let avatar = match (form.param.as_deref(), form.kind.as_deref()) {
        (Some("upload-avatar"), _) | (None, Some("avatar")) => true,
        (Some("upload-file"), _) | (None, Some("file")) => false,
        _ => return render(Out::error(codes::UNKNOWN_PARAM), &lang, session, now),
    };
    let Some((bytes, file_name, declared)) = form.source else {
        return render(Out::error(codes::BAD_UPLOAD), &lang, session, now);
    };
    let ctx = client.context(DIALECT);
    let result = if avatar {
        st.core.upload_avatar(auth, bytes, &ctx).await
    } else {
        st.core
            .upload_file(
                auth,
                file_name.as_deref().unwrap_or("file"),
                declared.as_deref(),
                &bytes,
                &ctx,
            )
            .await
    };
    let out = match result {
        Ok(file) => Out::answer(json!({ "message": codes::OK, "fileid": file.id })),
        Err(e) => Out::error(match e {
            CoreError::TooLarge => codes::FILE_TOO_LARGE,
            CoreError::QuotaExceeded => codes::QUOTA_EXCEEDED,
            CoreError::NotAnImage => codes::NOT_AN_IMAGE,
            CoreError::InvalidInput(_) => codes::BAD_UPLOAD,
            other => code_of(&other, codes::ACTION_REFUSED),
        }),
    };
    render(out, &lang, session, now)
}

/// Percent-encodes a file name for `filename*` (RFC 5987).
fn rfc5987(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn serve(d: Download, attachment: bool) -> Response {
    let ascii: String = d
        .file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if attachment { "attachment" } else { "inline" },
        rfc5987(&d.file.name)
    );
    let mut resp = (StatusCode::OK, d.bytes).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&d.file.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    resp
}

async fn fetch<F, Fut>(st: &AppState, headers: &HeaderMap, get: F, attachment: bool) -> Response
where
    F: FnOnce(tessera_core::services::AuthContext) -> Fut,
    Fut: std::future::Future<Output = Result<Download, CoreError>>,
{
    let now = st.core.now().unix_timestamp();
    let lang = st.config.ugene.default_language.clone();
    let caller = match Caller::resolve(&st.core, headers).await {
        Ok(c) => c,
        Err(e) => return render(Out::failed(&e, codes::INTERNAL), &lang, json!({}), now),
    };
    let session = caller.session(now, st.config.ugene.session_secs);
    let auth = match caller.signed(codes::TOKEN_WRONG) {
        Ok((auth, _)) => auth,
        Err(code) => return render(Out::error(code), &lang, session, now),
    };
    match get(auth).await {
        Ok(d) => serve(d, attachment),
        Err(CoreError::NotFound) => render(Out::error(codes::FILE_NOT_FOUND), &lang, session, now),
        Err(e) => render(Out::failed(&e, codes::FILE_NOT_FOUND), &lang, session, now),
    }
}

/// `GET /download/file/{id}`: the owner's or, for an administrator, anyone's file.
pub async fn download(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let core = st.core.clone();
    fetch(
        &st,
        &headers,
        |auth| async move { core.download_file(auth, &id).await },
        true,
    )
    .await
}

/// `GET /image/user/avatar/{uid}`.
pub async fn avatar_of(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(uid): Path<String>,
) -> Response {
    let owner = UserId::parse(uid.trim());
    let core = st.core.clone();
    fetch(
        &st,
        &headers,
        |auth| async move {
            match owner {
                Some(owner) => core.avatar(auth, Some(owner)).await,
                // Checked after the caller, so an anonymous caller learns nothing.
                None => Err(CoreError::NotFound),
            }
        },
        false,
    )
    .await
}

/// `GET /image/user/avatar`: the caller's own avatar ("from the token").
pub async fn own_avatar(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let core = st.core.clone();
    fetch(
        &st,
        &headers,
        |auth| async move { core.avatar(auth, None).await },
        false,
    )
    .await
}
