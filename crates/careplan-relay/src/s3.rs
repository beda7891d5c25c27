//! Message bodies in an S3-compatible bucket (AWS S3, MinIO, RustFS, Ceph …), shared by every
//! relay node. Requests are signed with rusty-s3 and sent with reqwest; a PUT the store answered
//! with success is durable by the store's own promise, which keeps the relay's: an upload is
//! acknowledged only once its body and its row are.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::blobs::{BlobStore, checked_id};

/// How long a signed request stays valid, and how long one call may take.
const REQUEST_TIME: Duration = Duration::from_secs(60);

/// Where the bucket is and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// `https://s3.ap-northeast-1.amazonaws.com`, `http://127.0.0.1:9000`, …
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// Its region (`us-east-1` for most S3-compatible servers).
    pub region: String,
    /// Address the bucket in the path (`endpoint/bucket/key`), as most self-hosted stores
    /// want, rather than in the host name.
    pub path_style: bool,
    /// Access key id.
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
}

/// Bodies as objects `bodies/<id>` in one bucket.
pub struct S3Blobs {
    bucket: Bucket,
    credentials: Credentials,
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
    staging: PathBuf,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl S3Blobs {
    /// Connects to the bucket (making it when it does not exist yet); large uploads are staged
    /// in `staging` on this node until they are stored. Must be called within the relay's
    /// runtime; the store's calls then come from its blocking threads.
    pub fn open(settings: &S3Settings, staging: PathBuf) -> io::Result<S3Blobs> {
        let endpoint = settings.endpoint.parse().map_err(other)?;
        let style = if settings.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(
            endpoint,
            style,
            settings.bucket.clone(),
            settings.region.clone(),
        )
        .map_err(other)?;
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        let blobs = S3Blobs {
            bucket,
            credentials: Credentials::new(&settings.access_key, &settings.secret_key),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(REQUEST_TIME)
                .build()
                .map_err(other)?,
            runtime: tokio::runtime::Handle::try_current().map_err(other)?,
            staging,
        };
        blobs.ensure_bucket()?;
        Ok(blobs)
    }

    fn key(id: &str) -> io::Result<String> {
        Ok(format!("bodies/{}", checked_id(id)?))
    }

    // Runs a request from a blocking thread of the relay's runtime.
    fn call(&self, req: reqwest::RequestBuilder) -> io::Result<(reqwest::StatusCode, Vec<u8>)> {
        self.runtime.block_on(async move {
            let resp = req.send().await.map_err(other)?;
            let status = resp.status();
            let body = resp.bytes().await.map_err(other)?;
            Ok((status, body.to_vec()))
        })
    }

    fn ensure_bucket(&self) -> io::Result<()> {
        let head = self
            .bucket
            .head_bucket(Some(&self.credentials))
            .sign(REQUEST_TIME);
        let (status, _) = self.call(self.http.head(head))?;
        if status.is_success() {
            return Ok(());
        }
        if status != reqwest::StatusCode::NOT_FOUND {
            return Err(other(format!("bucket {}: {status}", self.bucket.name())));
        }
        let create = self
            .bucket
            .create_bucket(&self.credentials)
            .sign(REQUEST_TIME);
        let (status, body) = self.call(
            self.http
                .put(create)
                .header(reqwest::header::CONTENT_LENGTH, "0"),
        )?;
        if status.is_success() {
            Ok(())
        } else {
            Err(other(format!(
                "cannot make bucket {}: {status} {}",
                self.bucket.name(),
                String::from_utf8_lossy(&body)
            )))
        }
    }

    fn put_request(&self, id: &str, bytes: Vec<u8>) -> io::Result<reqwest::RequestBuilder> {
        let key = Self::key(id)?;
        let url = self
            .bucket
            .put_object(Some(&self.credentials), &key)
            .sign(REQUEST_TIME);
        Ok(self.http.put(url).body(bytes))
    }
}

fn stored(id: &str, status: reqwest::StatusCode, body: &[u8]) -> io::Result<()> {
    if status.is_success() {
        Ok(())
    } else {
        Err(other(format!(
            "storing {id}: {status} {}",
            String::from_utf8_lossy(body)
        )))
    }
}

impl BlobStore for S3Blobs {
    fn put(&self, id: &str, bytes: &[u8]) -> io::Result<()> {
        let (status, body) = self.call(self.put_request(id, bytes.to_vec())?)?;
        stored(id, status, &body)
    }

    // The bodies of a batch go to the store side by side: one round trip's wait, not one each.
    fn put_many(&self, items: &[(&str, &[u8])]) -> io::Result<()> {
        self.put_batch(items, &[])
    }

    // Staged bodies (the large ones) are streamed from their file, never held in memory.
    fn put_batch(&self, items: &[(&str, &[u8])], staged: &[&str]) -> io::Result<()> {
        let mut requests = items
            .iter()
            .map(|(id, bytes)| {
                Ok((
                    (*id).to_owned(),
                    self.put_request(id, bytes.to_vec())?,
                    None,
                ))
            })
            .collect::<io::Result<Vec<_>>>()?;
        for id in staged {
            let path = self.staging_path(id)?;
            let key = Self::key(id)?;
            let url = self
                .bucket
                .put_object(Some(&self.credentials), &key)
                .sign(REQUEST_TIME);
            requests.push(((*id).to_owned(), self.http.put(url), Some(path)));
        }
        self.runtime.block_on(async move {
            let mut set = tokio::task::JoinSet::new();
            for (id, mut req, staged) in requests {
                set.spawn(async move {
                    if let Some(path) = &staged {
                        let file = tokio::fs::File::open(path).await?;
                        let size = file.metadata().await?.len();
                        req = req
                            .header(reqwest::header::CONTENT_LENGTH, size)
                            .body(reqwest::Body::from(file));
                    }
                    let resp = req.send().await.map_err(other)?;
                    let status = resp.status();
                    let body = resp.bytes().await.map_err(other)?;
                    stored(&id, status, &body)?;
                    if let Some(path) = staged {
                        tokio::fs::remove_file(path).await?;
                    }
                    Ok::<_, io::Error>(())
                });
            }
            while let Some(done) = set.join_next().await {
                done.map_err(other)??;
            }
            Ok(())
        })
    }

    // A store answers each PUT on its own; while one batch waits for its bodies, the batch
    // before commits its rows.
    fn batches_at_once(&self) -> usize {
        4
    }

    fn staging_path(&self, id: &str) -> io::Result<PathBuf> {
        Ok(self.staging.join(checked_id(id)?))
    }

    fn get(&self, id: &str) -> io::Result<Vec<u8>> {
        let key = Self::key(id)?;
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &key)
            .sign(REQUEST_TIME);
        match self.call(self.http.get(url))? {
            (status, body) if status.is_success() => Ok(body),
            (reqwest::StatusCode::NOT_FOUND, _) => {
                Err(io::Error::new(io::ErrorKind::NotFound, id.to_owned()))
            }
            (status, _) => Err(other(format!("reading {id}: {status}"))),
        }
    }

    fn delete(&self, id: &str) -> io::Result<()> {
        let key = Self::key(id)?;
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), &key)
            .sign(REQUEST_TIME);
        match self.call(self.http.delete(url))? {
            (status, _) if status.is_success() || status == reqwest::StatusCode::NOT_FOUND => {
                Ok(())
            }
            (status, _) => Err(other(format!("deleting {id}: {status}"))),
        }
    }
}
