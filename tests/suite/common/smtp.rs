//! A real SMTP server over TCP for the delivery tests, with fault injection:
//! per-recipient reply codes for successive attempts, connections dropped in
//! the middle of DATA, and a delay per message. It records every accepted
//! message and every RSET.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to do with a recipient on its n-th attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reply to RCPT TO with this code (e.g. 451, 421, 550).
    Rcpt(u16),
    /// Reply to RCPT TO with this whole line (e.g. "550 5.7.1 relaying denied").
    RcptReply(&'static str),
    /// Read the message, then close the connection without a reply.
    DropInData,
    /// Read the message, then refuse it with this line (e.g. "554 5.7.26 …").
    DataReply(&'static str),
}

#[derive(Debug, Clone)]
pub struct Accepted {
    pub rcpt: String,
    pub data: String,
    /// When the server had read the whole message.
    pub at: Instant,
}

#[derive(Default)]
struct State {
    /// Faults per recipient, consumed one per attempt.
    faults: HashMap<String, Vec<Fault>>,
    accepted: Vec<Accepted>,
    /// Messages seen in DATA, including those then dropped.
    data_seen: Vec<Accepted>,
    rsets: usize,
    connections: usize,
    /// A reply to every MAIL FROM instead of 250 (a relay refusing the sender).
    mail_reply: Option<String>,
    /// Every MAIL FROM command, as sent.
    mail_commands: Vec<String>,
    /// Do not offer PIPELINING.
    no_pipelining: bool,
    /// Require AUTH PLAIN with this user and password before MAIL FROM.
    login: Option<(String, String)>,
    /// Logins accepted and refused.
    logins: (usize, usize),
    /// Times the server had a command to read and none had arrived: the
    /// client was waiting for a reply (one round trip each).
    command_waits: usize,
    /// Holds every message once this many are accepted ([`SmtpServer::hold_after`]).
    hold_after: Option<usize>,
}

/// A running server; it stops when dropped.
pub struct SmtpServer {
    pub port: u16,
    state: Arc<Mutex<State>>,
    delay: Arc<Mutex<Duration>>,
    /// While true, messages are read but not answered (a relay that holds).
    hold: Arc<(Mutex<bool>, std::sync::Condvar)>,
    stop: Arc<AtomicBool>,
    active: Arc<AtomicUsize>,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on("127.0.0.1".parse().unwrap())
    }

    /// A server listening on `ip` (a port is picked).
    pub fn start_on(ip: std::net::IpAddr) -> Self {
        let listener = TcpListener::bind((ip, 0)).expect("bind");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let hold = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let active = Arc::new(AtomicUsize::new(0));
        let (s, d, st, a) = (state.clone(), delay.clone(), stop.clone(), active.clone());
        let h = hold.clone();
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        // Replies go out as they are written: with Nagle's
                        // algorithm, a reply written after another waits for
                        // the client's delayed ACK (40 ms a message).
                        stream.set_nodelay(true).unwrap();
                        let (s, d, a, h) = (s.clone(), d.clone(), a.clone(), h.clone());
                        s.lock().unwrap().connections += 1;
                        std::thread::spawn(move || {
                            a.fetch_add(1, Ordering::SeqCst);
                            let _ = session(stream, &s, &d, &h);
                            a.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Self {
            port,
            state,
            delay,
            hold,
            stop,
            active,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn fault(&self, rcpt: &str, faults: &[Fault]) {
        self.state
            .lock()
            .unwrap()
            .faults
            .insert(rcpt.to_string(), faults.to_vec());
    }

    /// Answers every MAIL FROM with `line` (None: accept).
    pub fn refuse_sender(&self, line: Option<&str>) {
        self.state.lock().unwrap().mail_reply = line.map(str::to_string);
    }

    /// Stops offering PIPELINING (for sessions that start after this).
    pub fn without_pipelining(&self) {
        self.state.lock().unwrap().no_pipelining = true;
    }

    /// Requires AUTH PLAIN with these credentials before MAIL FROM.
    pub fn require_login(&self, user: &str, password: &str) {
        self.state.lock().unwrap().login = Some((user.into(), password.into()));
    }

    /// Logins accepted and refused so far.
    pub fn logins(&self) -> (usize, usize) {
        self.state.lock().unwrap().logins
    }

    pub fn mail_commands(&self) -> Vec<String> {
        self.state.lock().unwrap().mail_commands.clone()
    }

    /// The addresses of the MAIL FROM commands, without brackets.
    pub fn envelope_senders(&self) -> Vec<String> {
        self.mail_commands()
            .iter()
            .filter_map(|l| Some(l.split_once('<')?.1.split('>').next()?.to_string()))
            .collect()
    }

    /// Holds every message after its data (no reply) until released.
    pub fn hold(&self, on: bool) {
        let (lock, cv) = &*self.hold;
        *lock.lock().unwrap() = on;
        cv.notify_all();
    }

    /// Accepts `n` messages, then holds the next ones (no reply) until
    /// [`Self::release`]: a relay that goes slow at a known point.
    pub fn hold_after(&self, n: usize) {
        self.state.lock().unwrap().hold_after = Some(n);
    }

    /// Ends [`Self::hold_after`] and [`Self::hold`].
    pub fn release(&self) {
        self.state.lock().unwrap().hold_after = None;
        self.hold(false);
    }

    pub fn set_delay(&self, d: Duration) {
        *self.delay.lock().unwrap() = d;
    }

    pub fn accepted(&self) -> Vec<Accepted> {
        self.state.lock().unwrap().accepted.clone()
    }

    pub fn data_seen(&self) -> Vec<Accepted> {
        self.state.lock().unwrap().data_seen.clone()
    }

    pub fn rsets(&self) -> usize {
        self.state.lock().unwrap().rsets
    }

    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Times a command had not arrived when the server was ready to read
    /// it: each is a round trip the client waited out.
    pub fn command_waits(&self) -> usize {
        self.state.lock().unwrap().command_waits
    }

    /// Accepted messages per recipient.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for a in self.accepted() {
            *m.entry(a.rcpt).or_insert(0) += 1;
        }
        m
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Whether the client has sent anything not read yet (or closed).
fn arrived(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let waiting =
        matches!(stream.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).unwrap();
    !waiting
}

fn addr_of(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, r)| r.split_once('>'))
        .map(|(a, _)| a.to_lowercase())
        .unwrap_or_default()
}

// One SMTP conversation, command by command, as a test server needs it.
#[allow(clippy::too_many_lines)]
fn session(
    stream: TcpStream,
    state: &Mutex<State>,
    delay: &Mutex<Duration>,
    hold: &(Mutex<bool>, std::sync::Condvar),
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    w.write_all(b"220 test.example ESMTP\r\n")?;
    let mut rcpt: Option<String> = None;
    let mut fault: Option<Fault> = None;
    let mut authenticated = false;
    loop {
        if r.buffer().is_empty() && !arrived(r.get_ref()) {
            state.lock().unwrap().command_waits += 1;
        }
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let upper = line.to_uppercase();
        if upper.starts_with("EHLO") {
            let (pipelining, login) = {
                let s = state.lock().unwrap();
                (!s.no_pipelining, s.login.is_some())
            };
            let mut lines = vec!["test.example", "8BITMIME", "SMTPUTF8"];
            if login {
                lines.push("AUTH PLAIN LOGIN");
            }
            if pipelining {
                lines.push("PIPELINING");
            }
            let last = lines.len() - 1;
            for (i, l) in lines.iter().enumerate() {
                let sep = if i == last { ' ' } else { '-' };
                w.write_all(format!("250{sep}{l}\r\n").as_bytes())?;
            }
        } else if upper.starts_with("AUTH PLAIN ") {
            use base64::Engine as _;
            let given = base64::engine::general_purpose::STANDARD
                .decode(line[11..].trim())
                .unwrap_or_default();
            let mut s = state.lock().unwrap();
            let ok = s
                .login
                .as_ref()
                .is_some_and(|(u, p)| given == format!("\0{u}\0{p}").into_bytes());
            if ok {
                s.logins.0 += 1;
                authenticated = true;
                w.write_all(b"235 2.7.0 Authentication successful\r\n")?;
            } else {
                s.logins.1 += 1;
                w.write_all(b"535 5.7.8 Authentication credentials invalid\r\n")?;
            }
        } else if upper.starts_with("HELO") {
            w.write_all(b"250 test.example\r\n")?;
        } else if upper.starts_with("MAIL FROM") {
            rcpt = None;
            if state.lock().unwrap().login.is_some() && !authenticated {
                w.write_all(b"530 5.7.0 Authentication required\r\n")?;
                continue;
            }
            let refuse = {
                let mut s = state.lock().unwrap();
                s.mail_commands.push(line.trim_end().to_string());
                s.mail_reply.clone()
            };
            match refuse {
                Some(line) => w.write_all(format!("{line}\r\n").as_bytes())?,
                None => w.write_all(b"250 2.1.0 Ok\r\n")?,
            }
        } else if upper.starts_with("RCPT TO") {
            let a = addr_of(&line);
            let f = {
                let mut s = state.lock().unwrap();
                s.faults.get_mut(&a).and_then(|v| {
                    if v.is_empty() {
                        None
                    } else {
                        Some(v.remove(0))
                    }
                })
            };
            match f {
                Some(Fault::RcptReply(line)) => {
                    w.write_all(format!("{line}\r\n").as_bytes())?;
                }
                Some(Fault::Rcpt(code)) => {
                    w.write_all(
                        format!(
                            "{code} {} injected fault for {a}\r\n",
                            match code {
                                552 => "5.2.2",
                                500.. => "5.1.1",
                                _ => "4.2.0",
                            }
                        )
                        .as_bytes(),
                    )?;
                }
                other => {
                    fault = other;
                    rcpt = Some(a);
                    w.write_all(b"250 2.1.5 Ok\r\n")?;
                }
            }
        } else if upper.starts_with("DATA") {
            if rcpt.is_none() {
                w.write_all(b"503 5.5.1 No valid recipients\r\n")?;
                continue;
            }
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l)? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(
                    l.strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(&l),
                );
            }
            let a = rcpt.take().unwrap();
            let at = Instant::now();
            state.lock().unwrap().data_seen.push(Accepted {
                rcpt: a.clone(),
                data: data.clone(),
                at,
            });
            if fault == Some(Fault::DropInData) {
                return Ok(()); // close without a reply
            }
            if let Some(Fault::DataReply(line)) = fault {
                w.write_all(format!("{line}\r\n").as_bytes())?;
                continue;
            }
            {
                let (lock, cv) = hold;
                let due = {
                    let st = state.lock().unwrap();
                    st.hold_after.is_some_and(|n| st.accepted.len() >= n)
                };
                let mut held = lock.lock().unwrap();
                *held |= due;
                while *held {
                    held = cv.wait(held).unwrap();
                }
            }
            let d = *delay.lock().unwrap();
            if !d.is_zero() {
                std::thread::sleep(d);
            }
            state
                .lock()
                .unwrap()
                .accepted
                .push(Accepted { rcpt: a, data, at });
            w.write_all(b"250 2.0.0 Ok: queued as TEST\r\n")?;
        } else if upper.starts_with("RSET") {
            state.lock().unwrap().rsets += 1;
            rcpt = None;
            w.write_all(b"250 2.0.0 Ok\r\n")?;
        } else if upper.starts_with("NOOP") {
            w.write_all(b"250 2.0.0 Ok\r\n")?;
        } else if upper.starts_with("QUIT") {
            w.write_all(b"221 2.0.0 Bye\r\n")?;
            return Ok(());
        } else {
            w.write_all(b"502 5.5.2 Command not recognized\r\n")?;
        }
    }
}

/// A port on loopback with nothing listening (a relay that is down).
pub fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
