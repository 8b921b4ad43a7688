#!/usr/bin/python3
"""fcgi-raw.py: a FastCGI peer for tests that builds every byte itself, so a
test can send what no web server would: any record type, version, length,
padding or request id, records cut short, requests that never finish.

  fcgi-raw.py case SOCKET STEPS EXPECT     one case of tests/fcgi-raw-cases.txt
  fcgi-raw.py hold SOCKET N KIND           N peers that stop sending, with probes
  fcgi-raw.py drip SOCKET N                N peers dripping a body, with probes
  fcgi-raw.py request SOCKET METHOD URI    one request, its body on stdin

SOCKET is a unix socket's path, or HOST:PORT for TCP. Common options:
  -T SECONDS  the service's request_timeout (default 2): how long a silent
              peer may wait for its close, and the window it must fall in
  --slack S   how late past the deadline a close may come (default 2)

case: STEPS and EXPECT are ';'-separated Python expressions over the
helpers below (the case table's columns). Each step is bytes to send or an
action (shut, until(...)); each expectation is a check on what came back.
Exit 0 when every expectation held, 1 otherwise (with what was sent and
received on stderr), 2 on bad usage.

request: what cgi-fcgi does, for answers of more than one record: its
FCGI_STDOUT on stdout, exit 0 once the request ended complete, 1 if not.
(cgi-fcgi 2.4 loses the rest of an answer when a record header arrives in
two reads: it copies the header's second part to &header + n, n headers
on, not n bytes.)

hold / drip: open N connections, then make probe requests (GET /health and
POST /v2/p1/apps) while they are held and wait until each held connection
is closed by the service. Prints one line of "key value" facts for the shell
test to assert (see report()). drip peers send a body one byte every
--interval seconds, for apps drip-<n> that must never be stored; with
--http, SOCKET is a web server's HOST:PORT and the peers and the probes
speak HTTP to it.
"""
import argparse
import os
import re
import select
import socket
import struct
import sys
import time

BEGIN_REQUEST = 1
ABORT_REQUEST = 2
END_REQUEST = 3
PARAMS = 4
STDIN = 5
STDOUT = 6
STDERR = 7
DATA = 8
GET_VALUES = 9
GET_VALUES_RESULT = 10
UNKNOWN_TYPE = 11

TYPE_NAMES = ('type 0', 'BEGIN_REQUEST', 'ABORT_REQUEST', 'END_REQUEST',
              'PARAMS', 'STDIN', 'STDOUT', 'STDERR', 'DATA', 'GET_VALUES',
              'GET_VALUES_RESULT', 'UNKNOWN_TYPE')

RESPONDER = 1
AUTHORIZER = 2
FILTER = 3
KEEP_CONN = 1

REQUEST_COMPLETE = 0
CANT_MPX_CONN = 1
OVERLOADED = 2
UNKNOWN_ROLE = 3

MAX_CONTENT = 65535


# --- building records -------------------------------------------------

def header(rtype, rid, clen, pad=0, version=1):
    """A record header alone; clen need not match what follows."""
    return struct.pack('>BBHHBB', version, rtype, rid, clen, pad, 0)


def rec(rtype, rid=1, content=b'', pad=0, version=1):
    """One record, padded with pad zero bytes."""
    if isinstance(content, str):
        content = content.encode()
    return header(rtype, rid, len(content), pad, version) + content + \
        b'\0' * pad


def l1(n):
    """A name-value length in its one-byte form (n < 128)."""
    return bytes([n])


def l4(n):
    """A name-value length in its four-byte form, whatever n is."""
    return struct.pack('>I', 0x80000000 | n)


def nv(name, value, nlen=None, vlen=None):
    """One name-value pair; nlen/vlen (l1 or l4) force a length encoding."""
    if isinstance(name, str):
        name = name.encode()
    if isinstance(value, str):
        value = value.encode()

    def enc(s, form):
        if form is not None:
            return form(len(s))
        return l1(len(s)) if len(s) < 128 else l4(len(s))
    return enc(name, nlen) + enc(value, vlen) + name + value


def begin(rid=1, role=RESPONDER, flags=0, pad=0, version=1, body=None):
    """FCGI_BEGIN_REQUEST; body replaces its eight content bytes."""
    if body is None:
        body = struct.pack('>HB5x', role, flags)
    return rec(BEGIN_REQUEST, rid, body, pad, version)


class Request:
    """A request's params (in order) and body."""

    def __init__(self, method, uri, body=b'', length=None, extra=()):
        self.body = body.encode() if isinstance(body, str) else body
        self.params = [('REQUEST_METHOD', method), ('REQUEST_URI', uri),
                       ('CONTENT_LENGTH', str(len(self.body) if length is None
                                              else length))]
        self.params += list(extra)

    def encoded(self):
        return b''.join(nv(n, v) for n, v in self.params)


def health():
    return Request('GET', '/health')


def list_apps():
    return Request('GET', '/v2/p1/apps')


def app(name, length=None, extra_body=''):
    """POST /v2/p1/apps creating name; length overrides CONTENT_LENGTH."""
    return Request('POST', '/v2/p1/apps',
                   '{"app_name":"%s"}%s' % (name, extra_body), length)


def chunks(data, split):
    """data cut into pieces of split bytes (None: as few as records allow)."""
    size = split or MAX_CONTENT
    return [data[i:i + size] for i in range(0, len(data), size)]


def stream(rtype, rid, data, split=None, pad=0):
    return b''.join(rec(rtype, rid, c, pad) for c in chunks(data, split))


def params(rid, req, split=None, pad=0):
    """The request's params as PARAMS records, without the empty one."""
    data = req.encoded() if isinstance(req, Request) else req
    return stream(PARAMS, rid, data, split, pad)


def params_end(rid=1, pad=0):
    return rec(PARAMS, rid, b'', pad)


def stdin(rid, data, split=None, pad=0):
    """Body bytes as STDIN records, without the empty one."""
    if isinstance(data, Request):
        data = data.body
    elif isinstance(data, str):
        data = data.encode()
    return stream(STDIN, rid, data, split, pad)


def stdin_end(rid=1, pad=0):
    return rec(STDIN, rid, b'', pad)


def request(rid, req, flags=0, split=None, pad=0):
    """A whole request: BEGIN, params, body, both streams ended."""
    return begin(rid, flags=flags) + params(rid, req, split, pad) + \
        params_end(rid) + stdin(rid, req, split, pad) + stdin_end(rid)


def get_values(*names):
    return rec(GET_VALUES, 0, b''.join(nv(n, '') for n in names))


def decode_pairs(data):
    """Name-value pairs of a record body, or None when malformed."""
    out, i = [], 0

    def length():
        nonlocal i
        if i >= len(data):
            raise ValueError
        if data[i] < 128:
            i += 1
            return data[i - 1]
        if i + 4 > len(data):
            raise ValueError
        n = struct.unpack('>I', data[i:i + 4])[0] & 0x7fffffff
        i += 4
        return n
    try:
        while i < len(data):
            n = length()
            v = length()
            if i + n + v > len(data):
                return None
            out.append((data[i:i + n].decode('latin-1'),
                        data[i + n:i + n + v].decode('latin-1')))
            i += n + v
    except ValueError:
        return None
    return out


# --- actions and expectations -----------------------------------------

class Shut:
    """Half-closes the connection: the peer sends nothing more."""

    def __repr__(self):
        return 'shut'


shut = Shut()


class Until:
    """Reads until the expectations hold (or the case fails)."""

    def __init__(self, *expects):
        self.expects = expects

    def __repr__(self):
        return 'until(%s)' % ', '.join(map(repr, self.expects))


until = Until


class Expect:
    """A check on what came back; needs_eof: decided only at the close."""
    needs_eof = False

    def __init__(self, text, check, needs_eof=False):
        self.text = text
        self.check = check
        self.needs_eof = needs_eof

    def met(self, peer):
        return self.check(peer)

    def __repr__(self):
        return self.text


def answered(rid, status):
    """The request got an HTTP answer of that status and a normal end."""
    def check(p):
        return p.ends.get(rid) == REQUEST_COMPLETE and p.status(rid) == status
    return Expect('answered(%d, %d)' % (rid, status), check)


def answered_times(rid, status, times):
    """That many requests of rid answered with that status, each ended."""
    def check(p):
        ends = sum(1 for t, r, c in p.records
                   if t == END_REQUEST and r == rid and c[4:5] == b'\0')
        answers = p.stdout.get(rid, b'').count(b'Status: %d ' % status)
        return ends == times and answers == times
    return Expect('answered_times(%d, %d, %d)' % (rid, status, times), check)


def ended(rid, protocol_status=REQUEST_COMPLETE):
    """FCGI_END_REQUEST for rid with that protocolStatus."""
    return Expect('ended(%d, %d)' % (rid, protocol_status),
                  lambda p: p.ends.get(rid) == protocol_status)


def no_answer(rid):
    """Nothing on STDOUT for rid (checked at the end)."""
    return Expect('no_answer(%d)' % rid,
                  lambda p: p.stdout.get(rid, b'') == b'')


def not_2xx(rid):
    """Whatever came for rid, if anything, is no success (checked at the
    end): nothing of the request may have been carried out."""
    return Expect('not_2xx(%d)' % rid,
                  lambda p: not (p.status(rid) or 0) // 100 == 2)


def closed():
    """The service closed the connection."""
    return Expect('closed', lambda p: p.eof, True)


def refused():
    """Closed with no answer: at most an FCGI_END_REQUEST, no STDOUT."""
    return Expect('refused', lambda p: p.eof and not p.stdout, True)


def nothing():
    """Closed without sending a single byte."""
    return Expect('nothing', lambda p: p.eof and not p.raw, True)


def timed_out():
    """Closed at the deadline with no answer since the script's last step:
    request_timeout after that step, give or take --slack."""
    def check(p):
        if not p.eof or any(t == STDOUT for t, _, _ in
                            p.records[p.mark_records:]):
            return False
        late = p.eof_at - p.mark
        return p.timeout - 0.1 <= late <= p.timeout + p.slack
    return Expect('timed_out', check, True)


def closed_at_deadline():
    """Closed with no answer request_timeout after the connection began
    (give or take --slack), whatever the steps did meanwhile: a peer that
    sends but never reads what it is sent."""
    def check(p):
        late = (p.eof_at or 0) - p.start
        return p.eof and not p.stdout and \
            p.timeout - 0.1 <= late <= p.timeout + p.slack
    return Expect('closed_at_deadline', check, True)


def unknown_type(rtype):
    """FCGI_UNKNOWN_TYPE naming rtype, on request id 0."""
    def check(p):
        return any(t == UNKNOWN_TYPE and r == 0 and c[:1] == bytes([rtype])
                   for t, r, c in p.records)
    return Expect('unknown_type(%d)' % rtype, check)


def values_result(**want):
    """FCGI_GET_VALUES_RESULT; each name given, if listed, has that value,
    and everything listed is well formed."""
    def check(p):
        for t, r, c in p.records:
            if t == GET_VALUES_RESULT and r == 0:
                pairs = decode_pairs(c)
                return pairs is not None and all(
                    dict(pairs).get(k, v) == v for k, v in want.items())
        return False
    return Expect('values_result(%r)' % want, check)


def anyof(*expects):
    """One of them holds."""
    return Expect('anyof(%s)' % ', '.join(map(repr, expects)),
                  lambda p: any(e.met(p) for e in expects),
                  all(e.needs_eof for e in expects))


# --- one connection ---------------------------------------------------

class Peer:
    """One connection to the service and everything it sent back."""

    def __init__(self, address, timeout=2.0, slack=2.0):
        if ':' in address and not address.startswith('/'):
            host, port = address.rsplit(':', 1)
            self.sock = socket.create_connection((host, int(port)))
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(address)
        self.start = self.mark = time.monotonic()
        self.timeout = timeout
        self.slack = slack
        self.raw = b''
        self.parsed = 0
        self.sent = b''
        self.records = []
        self.mark_records = 0
        self.stdout = {}
        self.ends = {}
        self.eof = False
        self.eof_at = None
        self.write_error = None
        self.malformed = None
        self.on_blocked = None

    def send(self, data):
        """Sends all of data; on_blocked(), if set, is called once when the
        service stops reading, before waiting for it to go on."""
        self.sent += data
        if self.write_error is None:
            try:
                if self.on_blocked is not None:
                    self.sock.setblocking(False)
                    try:
                        data = data[self.sock.send(data):]
                    except BlockingIOError:
                        pass
                    self.sock.setblocking(True)
                    if data:
                        self.on_blocked()
                        self.on_blocked = None
                self.sock.sendall(data)
            except OSError as e:
                # The service may close first; what it said is still there.
                self.write_error = e.strerror
        self.set_mark()

    def shut(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.set_mark()

    def set_mark(self):
        """The script's last step is now: a deadline counts from here."""
        self.mark = time.monotonic()
        self.mark_records = len(self.records)

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        """Takes what arrived; False at the close."""
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b''
        if not data:
            self.eof = True
            self.eof_at = time.monotonic()
            if len(self.raw) > self.parsed:
                self.malformed = 'a record cut short at the close'
            return False
        self.raw += data
        self.parse()
        return True

    def parse(self):
        """Takes the whole records that arrived since the last call."""
        while len(self.raw) - self.parsed >= 8:
            i = self.parsed
            version, t, r, clen, pad, _ = struct.unpack(
                '>BBHHBB', self.raw[i:i + 8])
            if len(self.raw) - i < 8 + clen + pad:
                break
            c = self.raw[i + 8:i + 8 + clen]
            if version != 1:
                self.malformed = 'a record of version %d' % version
            self.records.append((t, r, c))
            if t == STDOUT:
                self.stdout[r] = self.stdout.get(r, b'') + c
            elif t == END_REQUEST:
                if len(c) != 8:
                    self.malformed = 'an END_REQUEST of %d bytes' % len(c)
                else:
                    self.ends[r] = c[4]
            self.parsed = i + 8 + clen + pad

    def status(self, rid):
        m = re.match(rb'Status: (\d+)', self.stdout.get(rid, b''))
        return int(m.group(1)) if m else None

    def read_until(self, expects, deadline):
        """Reads until every expectation holds, the close, or deadline."""
        while True:
            if all(e.met(self) for e in expects if not e.needs_eof) and \
                    not any(e.needs_eof for e in expects):
                return
            if self.eof:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([self.sock], [], [], left)
            if readable:
                self.on_readable()

    def summary(self):
        out = []
        for t, r, c in self.records:
            name = TYPE_NAMES[t] if t < len(TYPE_NAMES) else 'type %d' % t
            out.append('  %s id %d: %r' % (name, r, c[:120]))
        if self.eof:
            out.append('  closed after %.2f s (%.2f s after the last step)'
                       % (self.eof_at - self.start, self.eof_at - self.mark))
        else:
            out.append('  still open')
        return '\n'.join(out)


def helpers():
    return {k: v for k, v in globals().items() if not k.startswith('_')}


def split_exprs(text):
    """A column's expressions; "-" is none."""
    return [s.strip() for s in text.split(';') if s.strip() not in ('', '-')]


def run_case(args):
    env = helpers()
    steps = [eval(s, env) for s in split_exprs(args.steps)]
    expects = [eval(s, env) for s in split_exprs(args.expect)]
    # Past the deadline and its slack, a silent service has failed.
    patience = args.T + args.slack + 1
    peer = Peer(args.socket, args.T, args.slack)
    # A peer the service no longer reads from is held as much as one
    # that stopped sending.
    peer.on_blocked = lambda: touch(args.ready)
    for s in steps:
        if isinstance(s, bytes):
            peer.send(s)
        elif isinstance(s, Shut):
            peer.shut()
        elif isinstance(s, Until):
            peer.read_until(s.expects, time.monotonic() + patience)
            bad = [e for e in s.expects if not e.met(peer)]
            if bad:
                return fail(peer, 'step %r: %r did not hold' % (s, bad))
            peer.set_mark()
        else:
            print('bad step: %r' % (s,), file=sys.stderr)
            return 2
    touch(args.ready)
    peer.read_until(expects, time.monotonic() + patience)
    bad = [e for e in expects if not e.met(peer)]
    if peer.malformed:
        return fail(peer, 'the service sent %s' % peer.malformed)
    if bad:
        return fail(peer, 'expected %s' % ', '.join(map(repr, bad)))
    if args.verbose:
        print('received:\n%s' % peer.summary(), file=sys.stderr)
    return 0


def fail(peer, why):
    sent = peer.sent[:200].hex()
    if len(peer.sent) > 200:
        sent += '... (%d bytes)' % len(peer.sent)
    print('%s\n sent: %s%s\n received:\n%s' % (
        why, sent, ' (write failed: %s)' % peer.write_error
        if peer.write_error else '', peer.summary()), file=sys.stderr)
    return 1


# --- many peers at once -----------------------------------------------

def half_sent(kind, n):
    """What a peer of that kind sends before it stops."""
    req = app('held-%d' % n)
    whole = begin(1) + params(1, req) + params_end(1)
    return {
        'nothing': b'',
        'bytes5': begin(1)[:5],
        'begin': begin(1),
        'params': begin(1) + params(1, req),
        'body': whole + stdin(1, req.body[:len(req.body) // 2]),
    }[kind]


KINDS = ('nothing', 'bytes5', 'begin', 'params', 'body')


class HttpPeer:
    """An HTTP client on a raw socket, for a web server in front; done at
    the close or once a status line arrived."""

    def __init__(self, address):
        host, port = address.rsplit(':', 1)
        self.host = address
        self.sock = socket.create_connection((host, int(port)))
        self.start = time.monotonic()
        self.raw = b''
        self.eof = False
        self.eof_at = None
        self.write_error = None
        self.malformed = None

    def send(self, data):
        if self.write_error is None:
            try:
                self.sock.sendall(data)
            except OSError as e:
                self.write_error = e.strerror

    def fileno(self):
        return self.sock.fileno()

    def on_readable(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b''
        self.raw += data
        if not data or b'\r\n' in self.raw:
            self.eof = True
            self.eof_at = time.monotonic()
            return False
        return True

    def status(self, rid=None):
        m = re.match(rb'HTTP/1\.[01] (\d+)', self.raw)
        return int(m.group(1)) if m else None

    @property
    def stdout(self):
        return self.raw

    def request_head(self, req):
        names = dict(req.params)
        return ('%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %s\r\n'
                'Content-Type: application/json\r\nConnection: close\r\n'
                '\r\n' % (names['REQUEST_METHOD'], names['REQUEST_URI'],
                          self.host, names['CONTENT_LENGTH'])).encode()


def probe(args, req):
    """One whole request on a connection of its own: (status, seconds).
    Waits no longer than a silent peer may be held."""
    t0 = time.monotonic()
    deadline = t0 + args.T + args.slack
    try:
        if args.http:
            p = HttpPeer(args.socket)
            p.send(p.request_head(req) + req.body)
            while not p.eof and time.monotonic() < deadline:
                if select.select([p.sock], [], [],
                                 max(deadline - time.monotonic(), 0))[0]:
                    p.on_readable()
        else:
            p = Peer(args.socket)
            p.send(request(1, req))
            p.read_until([ended(1)], deadline)
        p.sock.close()
        return p.status(1), time.monotonic() - t0
    except OSError:
        return None, time.monotonic() - t0


def wait_closed(peers, deadline, tick=None):
    """Waits until every peer's connection is closed (or deadline); tick(),
    if given, is called between waits and returns the next wait."""
    open_peers = {p.fileno(): p for p in peers if not p.eof}
    poller = select.poll()
    for fd in open_peers:
        poller.register(fd, select.POLLIN)
    while open_peers:
        now = time.monotonic()
        if now >= deadline:
            break
        wait = deadline - now
        if tick is not None:
            wait = min(wait, tick())
        for fd, _ in poller.poll(max(wait, 0) * 1000):
            p = open_peers.get(fd)
            if p is not None and not p.on_readable():
                poller.unregister(fd)
                del open_peers[fd]


def report(peers, health_probes, writes, probes_done, base=()):
    """One line of facts: counts, and times; base: the seconds of /health
    probes made before any peer connected."""
    closed_at = sorted(p.eof_at - p.start for p in peers if p.eof)
    first_close = closed_at[0] if closed_at else None

    def ms(t):
        return int(t * 1000)
    lat = sorted(t for _, t in health_probes)
    wlat = sorted(t for _, t in writes)
    # Integers, for the shell's tests: ms to assert on, us to report.
    facts = {
        'peers': len(peers),
        'closed': len(closed_at),
        'answered_peers': sum(1 for p in peers if p.stdout),
        'peers_2xx': sum(1 for p in peers if (p.status(1) or 0) // 100 == 2),
        'malformed': sum(1 for p in peers if p.malformed),
        'first_close_ms': ms(first_close) if closed_at else -1,
        'last_close_ms': ms(closed_at[-1]) if closed_at else -1,
        'health_ok': sum(1 for st, _ in health_probes if st == 200),
        'health_n': len(health_probes),
        'health_median_ms': ms(lat[len(lat) // 2]) if lat else -1,
        'health_max_ms': ms(lat[-1]) if lat else -1,
        'writes_ok': sum(1 for st, _ in writes if st == 201),
        'writes_n': len(writes),
        'writes_max_ms': ms(wlat[-1]) if wlat else -1,
        'health_median_us': int(lat[len(lat) // 2] * 1e6) if lat else -1,
        'health_max_us': int(lat[-1] * 1e6) if lat else -1,
        'writes_median_us': int(wlat[len(wlat) // 2] * 1e6) if wlat else -1,
        'writes_max_us': int(wlat[-1] * 1e6) if wlat else -1,
        'base_median_us': int(base[len(base) // 2] * 1e6) if base else -1,
        'base_max_us': int(base[-1] * 1e6) if base else -1,
        # Probes that ended before any peer was let go ran while all of
        # them were held: only then do they show that held peers hold
        # nothing up.
        'probes_while_held': int(first_close is None or
                                 probes_done - peers[0].start < first_close),
    }
    print(' '.join('%s %s' % kv for kv in facts.items()))
    sys.stdout.flush()


def touch(path):
    if path:
        with open(path, 'w'):
            pass


def run_probes(args, tag, between=None):
    """args.probes GET /health and args.writes POST /v2/p1/apps (apps
    tag-<pid>-<i>, new in every run), in turn, between() before each; returns their (status,
    seconds) lists and when they ended. After a probe without an answer
    the rest count as unanswered, unsent: each would wait as long."""
    health_probes, writes = [], []
    for i in range(max(args.probes, args.writes)):
        if between is not None:
            between()
        if i < args.probes:
            health_probes.append(probe(args, health()))
        if i < args.writes:
            writes.append(probe(args, app('%s-%d-%d' % (tag, os.getpid(),
                                                        i))))
        if any(st is None for st, _ in health_probes + writes):
            health_probes += [(None, 0)] * (args.probes - len(health_probes))
            writes += [(None, 0)] * (args.writes - len(writes))
            break
    return health_probes, writes, time.monotonic()


def run_hold(args):
    kinds = KINDS if args.kind == 'mixed' else (args.kind,)
    # The normal latency, to compare with: no peer held yet.
    base = sorted(probe(args, health())[1] for _ in range(args.baseline))
    peers = []
    for n in range(args.n):
        peers.append(Peer(args.socket, args.T, args.slack))
        first = half_sent(kinds[n % len(kinds)], n)
        if first:
            peers[-1].send(first)
    touch(args.ready)
    health_probes, writes, done = run_probes(args, 'while-held')
    wait_closed(peers, peers[0].start + args.T + args.slack + 5)
    report(peers, health_probes, writes, done, base)
    return 0


def run_drip(args):
    reqs = [app('drip-%d' % n) for n in range(args.n)]
    peers = []
    for req in reqs:
        if args.http:
            peers.append(HttpPeer(args.socket))
            peers[-1].send(peers[-1].request_head(req))
        else:
            peers.append(Peer(args.socket, args.T, args.slack))
            peers[-1].send(begin(1) + params(1, req) + params_end(1))
    sent = [0] * args.n
    next_drip = [time.monotonic()]

    def drip():
        """Sends every open peer its next body byte when it is time;
        returns how long until the next time."""
        now = time.monotonic()
        if now >= next_drip[0]:
            for n, p in enumerate(peers):
                body = reqs[n].body
                if p.eof or p.write_error or sent[n] >= len(body):
                    continue
                byte = body[sent[n]:sent[n] + 1]
                p.send(byte if args.http else stdin(1, byte))
                sent[n] += 1
            next_drip[0] = now + args.interval
        return max(next_drip[0] - time.monotonic(), 0)
    drip()
    touch(args.ready)
    health_probes, writes, done = run_probes(args, 'while-drip', drip)
    wait_closed(peers, peers[0].start + args.T + args.slack + 5, drip)
    report(peers, health_probes, writes, done)
    return 0


def run_request(args):
    body = sys.stdin.buffer.read()
    p = Peer(args.socket)
    p.send(request(1, Request(args.method, args.uri, body)))
    while not p.eof and p.ends.get(1) is None:
        p.on_readable()
    p.sock.close()
    sys.stdout.buffer.write(p.stdout.get(1, b''))
    return 0 if p.ends.get(1) == REQUEST_COMPLETE else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-T', type=float, default=2.0)
    ap.add_argument('--slack', type=float, default=2.0)
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('case')
    c.add_argument('socket')
    c.add_argument('steps')
    c.add_argument('expect')
    c.add_argument('--ready', help='a file to create once every step ran')
    c.add_argument('-v', '--verbose', action='store_true',
                   help='show what came back when the case passes too')
    for name in ('hold', 'drip'):
        h = sub.add_parser(name)
        h.add_argument('socket')
        h.add_argument('n', type=int)
        if name == 'hold':
            h.add_argument('kind', choices=KINDS + ('mixed',),
                           help='what each peer sends before it stops '
                           '(mixed: each kind in turn)')
        else:
            h.add_argument('--interval', type=float, default=0.5)
        h.add_argument('--probes', type=int, default=5)
        h.add_argument('--writes', type=int, default=3)
        if name == 'hold':
            h.add_argument('--baseline', type=int, default=0,
                           help='/health probes to make before any peer '
                           'connects, for the normal latency')
        h.add_argument('--ready', help='a file to create once the peers '
                       'have sent what they send before they stop')
        h.set_defaults(http=False)
        if name == 'drip':
            h.add_argument('--http', action='store_true',
                           help='SOCKET is HOST:PORT of a web server in '
                           'front: the peers and probes speak HTTP')
    r = sub.add_parser('request')
    r.add_argument('socket')
    r.add_argument('method')
    r.add_argument('uri')
    args = ap.parse_args()
    return {'case': run_case, 'hold': run_hold, 'drip': run_drip,
            'request': run_request}[
        args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
