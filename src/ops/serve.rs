//! `hrx share serve`: the SMART Health Links manifest server, on hyper
//! (HTTP/1.1) and, with a certificate, rustls.
//!
//! It answers two requests and nothing else:
//! - `POST BASE/NAME` with a JSON body `{"recipient", "passcode"?,
//!   "embeddedLengthMax"?}`: the manifest of link NAME (see
//!   [`super::manifest`]), `{"files": [{"contentType", "embedded" |
//!   "location"}]}`; 404 once the link is revoked, over or out of tries,
//!   401 with `remainingAttempts` for a missing or wrong passcode.
//! - `GET BASE/file/TOKEN`: a file a manifest named by a location, for an
//!   hour and while its link lives.
//!
//! Everything it serves is ciphertext. A request is bounded before it is
//! read (16 KiB of headers, 16 KiB of body, 10 s to send its headers), a
//! name is checked before anything is looked up (no path reaches the disk
//! but a link's own files), and wrong passcodes are counted one at a time.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;

use super::manifest::{Refusal, Served};
use crate::clock::Clock;
use crate::error::{Error, Result};

/// The largest request body read.
const MAX_BODY: usize = 16 << 10;

/// How long a file's location is good for (the specification allows at most an hour).
const LOCATION_LIFE: Duration = Duration::from_secs(3600);

/// The most locations one link keeps at once; its oldest go first. A
/// receiver needs one per file per manifest request, and a location lives
/// an hour: a whole ward scanning one link at once is served, and a holder
/// asking a link over and over ends only that link's earlier locations,
/// never another link's.
const LOCATIONS_PER_LINK: usize = 1024;

/// How long a request's body may take to arrive.
const BODY_TIME: Duration = Duration::from_secs(10);

/// The most connections served at once.
const MAX_CONNECTIONS: usize = 1024;

/// The most connections one address (an IPv6 /64) holds at once when hrx
/// serves HTTPS itself (facing the internet): one client holding idle
/// connections cannot take every slot. A clinic behind one NAT shares one
/// address's 32, and many addresses together can still fill the 1,024.
/// Behind a proxy every connection comes from the proxy, which limits its
/// clients (nginx: `limit_conn`).
const PER_ADDRESS: usize = 32;

/// The address a connection counts against: its IPv4 address, or its
/// IPv6 /64 (one host is given a whole /64 to pick from).
fn address(ip: std::net::IpAddr) -> std::net::IpAddr {
    let std::net::IpAddr::V6(v6) = ip else { return ip };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return std::net::IpAddr::V4(v4);
    }
    let s = v6.segments();
    std::net::IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
}

/// Connections held, by address; each [`Held`] gives its place back.
type Holders = Arc<Mutex<HashMap<std::net::IpAddr, usize>>>;

/// A connection's place in [`Holders`].
struct Held(Holders, std::net::IpAddr);

impl Held {
    /// A place for a connection from `ip`, if it holds fewer than `max`.
    fn take(holders: &Holders, ip: std::net::IpAddr, max: usize) -> Option<Held> {
        let mut h = holders.lock().unwrap_or_else(|e| e.into_inner());
        let n = h.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Held(holders.clone(), ip))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut h = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = h.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                h.remove(&self.1);
            }
        }
    }
}

/// What the server is asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// The directory of served links (`hrx share ips --serve DIR`).
    pub root: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The address the links were made with (`--url`): its path is where
    /// requests arrive, and locations are made from it.
    pub url: String,
    /// A certificate chain and its key (PEM), to serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The clock (fixed in tests).
    pub clock: Clock,
}

/// A manifest request's body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestRequest {
    recipient: String,
    #[serde(default)]
    passcode: Option<String>,
    #[serde(default)]
    embedded_length_max: Option<u64>,
}

struct State {
    config: Config,
    /// The path requests arrive under (no trailing `/`).
    prefix: String,
    /// The file locations handed out.
    locations: Mutex<Locations>,
}

/// A file a location names: its link's directory name, the file's name,
/// and until when the location is good.
#[derive(Clone)]
struct Location {
    link: String,
    file: String,
    until: Instant,
}

/// The locations handed out, by token and by link (oldest first).
#[derive(Default)]
struct Locations {
    by_token: HashMap<String, Location>,
    by_link: HashMap<String, VecDeque<String>>,
}

impl Locations {
    /// A new location of `file` of `link`, good for [`LOCATION_LIFE`]; the
    /// link's expired locations go, and its oldest if it has
    /// [`LOCATIONS_PER_LINK`] already.
    fn add(&mut self, link: &str, file: &str, now: Instant) -> String {
        let mine = self.by_link.entry(link.to_string()).or_default();
        while let Some(t) = mine.front() {
            let over = self.by_token.get(t).is_none_or(|l| l.until <= now);
            if !over && mine.len() < LOCATIONS_PER_LINK {
                break;
            }
            if let Some(t) = mine.pop_front() {
                self.by_token.remove(&t);
            }
        }
        let t = token();
        mine.push_back(t.clone());
        self.by_token
            .insert(t.clone(), Location { link: link.to_string(), file: file.to_string(), until: now + LOCATION_LIFE });
        t
    }

    /// What location `t` names, if it is still good.
    fn get(&self, t: &str, now: Instant) -> Option<Location> {
        self.by_token.get(t).filter(|l| l.until > now).cloned()
    }
}

fn json(status: StatusCode, v: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", "application/json".parse().expect("a header value"));
    r.headers_mut().insert("cache-control", "no-store".parse().expect("a header value"));
    r
}

fn error(status: StatusCode, what: &str) -> Response<Full<Bytes>> {
    json(status, serde_json::json!({ "error": what }))
}

fn token() -> String {
    let mut b = [0u8; 32];
    let _ = sequoia_openpgp::crypto::random(&mut b);
    crate::model::shlink::b64(&b)
}

impl State {
    async fn answer(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_string();
        let Some(rest) = path.strip_prefix(&self.prefix).and_then(|r| r.strip_prefix('/')) else {
            return error(StatusCode::NOT_FOUND, "not found");
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match (req.method(), parts.as_slice()) {
            (&Method::POST, [name]) => self.manifest(name.to_string(), req).await,
            (&Method::GET, ["file", t]) => self.file(t),
            (_, [_]) | (_, ["file", _]) => error(StatusCode::METHOD_NOT_ALLOWED, "a manifest is POSTed, a file is GOT"),
            _ => error(StatusCode::NOT_FOUND, "not found"),
        }
    }

    async fn manifest(&self, name: String, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let now = self.config.clock.now();
        // Nothing is read of a request for a link that is not there.
        let Some(served) = Served::find(&self.config.root, &name, now) else {
            return error(StatusCode::NOT_FOUND, "no such link, or it has ended");
        };
        let json_body = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if !json_body {
            return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
        }
        // The body comes within the time its headers had, or not at all: a
        // client announcing one and sending nothing holds no connection long.
        let body = match tokio::time::timeout(BODY_TIME, Limited::new(req.into_body(), MAX_BODY).collect()).await {
            Ok(Ok(b)) => b.to_bytes(),
            Ok(Err(_)) => return error(StatusCode::PAYLOAD_TOO_LARGE, "the body is larger than 16 KiB"),
            Err(_) => return error(StatusCode::REQUEST_TIMEOUT, "the body did not come in time"),
        };
        let Ok(m) = serde_json::from_slice::<ManifestRequest>(&body) else {
            return error(StatusCode::BAD_REQUEST, "the body must be {\"recipient\": ..., \"passcode\"?: ...}");
        };
        if m.recipient.trim().is_empty() || m.recipient.chars().count() > 256 {
            return error(StatusCode::BAD_REQUEST, "recipient must say who asks (1 to 256 characters)");
        }
        if m.passcode.as_ref().is_some_and(|p| p.len() > 1024) {
            return error(StatusCode::BAD_REQUEST, "the passcode is too long");
        }
        // The count is kept under a lock on its file (`Served::check`): a
        // guess just before that ended the link makes this one Gone.
        match served.check(m.passcode.as_deref()) {
            Ok(()) => {}
            Err(Refusal::Passcode(left)) => {
                return json(
                    StatusCode::UNAUTHORIZED,
                    serde_json::json!({ "error": "a passcode is needed, or it is wrong", "remainingAttempts": left }),
                );
            }
            Err(Refusal::Gone) => return error(StatusCode::NOT_FOUND, "no such link, or it has ended"),
            Err(Refusal::Unavailable) => {
                return error(StatusCode::SERVICE_UNAVAILABLE, "the server cannot count passcodes now; try later");
            }
        }
        let found: Vec<_> =
            served.link.files.iter().filter_map(|f| served.file(&f.name).map(|bytes| (f, bytes))).collect();
        let handed: Vec<String> = found.iter().map(|(f, _)| f.name.clone()).collect();
        // Recorded before anything is handed out: an opening that cannot be
        // recorded is not answered.
        if !served.log(now, &m.recipient, &handed) {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server cannot record this request (its log is full): ask the patient for a new link",
            );
        }
        let mut files = vec![];
        for (f, bytes) in found {
            if m.embedded_length_max.is_some_and(|max| bytes.len() as u64 <= max) {
                files.push(serde_json::json!({
                    "contentType": f.content_type,
                    "embedded": String::from_utf8_lossy(&bytes),
                }));
            } else {
                let t = self.locations.lock().unwrap_or_else(|e| e.into_inner()).add(&name, &f.name, Instant::now());
                files.push(serde_json::json!({
                    "contentType": f.content_type,
                    "location": format!("{}/file/{t}", self.config.url.trim_end_matches('/')),
                }));
            }
        }
        json(StatusCode::OK, serde_json::json!({ "files": files }))
    }

    fn file(&self, t: &str) -> Response<Full<Bytes>> {
        let found = self.locations.lock().unwrap_or_else(|e| e.into_inner()).get(t, Instant::now());
        let Some(Location { link: name, file, .. }) = found else {
            return error(StatusCode::NOT_FOUND, "no such file, or its location has expired");
        };
        // The link must still live: a revocation ends its locations too.
        let bytes = Served::find(&self.config.root, &name, self.config.clock.now()).and_then(|s| s.file(&file));
        match bytes {
            Some(b) => {
                let mut r = Response::new(Full::new(Bytes::from(b)));
                r.headers_mut().insert("content-type", "application/jose".parse().expect("a header value"));
                r.headers_mut().insert("cache-control", "no-store".parse().expect("a header value"));
                r
            }
            None => error(StatusCode::NOT_FOUND, "no such file, or its link has ended"),
        }
    }
}

/// The TLS configuration of a certificate chain and key in PEM files.
fn tls(cert: &std::path::Path, key: &std::path::Path) -> Result<tokio_rustls::TlsAcceptor> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| Error::Usage(format!("--tls-cert {}: {e}", cert.display())))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Usage(format!("--tls-cert {}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(Error::Usage(format!("--tls-cert {}: no certificate in it (PEM)", cert.display())));
    }
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| Error::Usage(format!("--tls-key {}: {e}", key.display())))?;
    // ring rather than aws-lc-rs: it builds without cmake (its post-quantum
    // key exchange is what the deprecation is about; TLS 1.3 with X25519 stays).
    #[allow(deprecated)]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| Error::Usage(format!("--tls-cert/--tls-key: {e}")))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves until the process is stopped. `ready` is told the address
/// listened on once connections are taken.
pub fn serve(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    if config.tls.is_none() && !config.listen.ip().is_loopback() {
        return Err(Error::Usage(format!(
            "--listen {}: plain HTTP only on a loopback address (behind a proxy that adds TLS); give --tls-cert and --tls-key to serve HTTPS",
            config.listen
        )));
    }
    if !config.root.is_dir() {
        return Err(Error::Usage(format!("{}: not a directory of served links", config.root.display())));
    }
    let prefix = crate::model::shlink::file_url(&config.url, "x")
        .map(|u| {
            let after_host = u.split("://").nth(1).unwrap_or("");
            let path = after_host.find('/').map_or("/", |i| &after_host[i..]);
            path.trim_end_matches("/x").trim_end_matches('/').to_string()
        })
        .map_err(|e| Error::Usage(format!("--url: {e}")))?;
    let acceptor = config.tls.as_ref().map(|(c, k)| tls(c, k)).transpose()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(crate::cores::count().clamp(1, 8))
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("the server's runtime", e))?;
    let listen = config.listen;
    let state = Arc::new(State { config, prefix, locations: Mutex::new(Locations::default()) });
    rt.block_on(async move {
        // A backlog of 1024, not the 128 TcpListener::bind asks for: a burst
        // of new connections (a clinic's whole ward scanning at once) would
        // otherwise wait out a SYN retransmission, a second each.
        let io = |e| Error::io(listen.to_string(), e);
        let socket = if listen.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }
            .map_err(io)?;
        socket.set_reuseaddr(true).map_err(io)?;
        socket.bind(listen).map_err(io)?;
        let listener = socket.listen(MAX_CONNECTIONS as u32).map_err(io)?;
        ready(listener.local_addr().map_err(io)?);
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let holders: Holders = Arc::new(Mutex::new(HashMap::new()));
        let per_address = if acceptor.is_some() { PER_ADDRESS } else { MAX_CONNECTIONS };
        loop {
            let Ok((stream, from)) = listener.accept().await else { continue };
            // Closed at once: over its address's share.
            let Some(held) = Held::take(&holders, address(from.ip()), per_address) else { continue };
            let Ok(slot) = slots.clone().acquire_owned().await else { continue };
            let (state, acceptor) = (state.clone(), acceptor.clone());
            tokio::spawn(async move {
                let _slot = (slot, held);
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(state.answer(req).await) }
                });
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .max_buf_size(16 << 10);
                match acceptor {
                    Some(a) => {
                        let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), a.accept(stream)).await else {
                            return;
                        };
                        let _ = http.serve_connection(hyper_util::rt::TokioIo::new(tls), service).await;
                    }
                    None => {
                        let _ = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                    }
                }
            });
        }
    })
}
