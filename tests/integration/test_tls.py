"""HTTPS with LOKAL_TLS_CERT/LOKAL_TLS_KEY: a self-signed certificate made
with the openssl CLI, TLS 1.2+ only, and clients (requests, the official
Python client, our CLI through LOKAL_HOST=https://...) that verify it."""

import socket
import ssl
import subprocess
import warnings

import ollama
import pytest
import requests

from lokal_helpers import HTTP_TIMEOUT, LokalServer, client_env


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(crt),
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return crt, key


@pytest.fixture
def tls_server(binary, tmp_path, cert):
    crt, key = cert
    srv = LokalServer(binary, tmp_path)
    srv.scheme = "https"
    srv.verify = str(crt)
    srv.extra_env = {"LOKAL_TLS_CERT": str(crt), "LOKAL_TLS_KEY": str(key)}
    srv.start()
    yield srv
    srv.stop()


def handshake(port, ctx):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return s.version()


def test_https_serves_and_verifies(tls_server, cert):
    r = requests.get(tls_server.url + "/api/version", verify=str(cert[0]), timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and "version" in r.json()
    assert "https://" in tls_server.log_path.read_text()
    # The guard's same-origin rule knows the scheme.
    own = f"https://127.0.0.1:{tls_server.port}"
    r = requests.get(tls_server.url + "/api/tags", headers={"Origin": own}, verify=str(cert[0]), timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == own


def test_plain_http_to_tls_port_gets_nothing_useful(tls_server):
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{tls_server.port}/api/version", timeout=10).raise_for_status()


def test_tls_versions(tls_server, cert):
    ctx = ssl.create_default_context(cafile=str(cert[0]))
    assert handshake(tls_server.port, ctx) in ("TLSv1.2", "TLSv1.3")
    ctx12 = ssl.create_default_context(cafile=str(cert[0]))
    ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
    assert handshake(tls_server.port, ctx12) == "TLSv1.2"
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(cert[0]))
    old.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():  # the point is to offer a deprecated version
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, OSError)):
        handshake(tls_server.port, old)


def test_official_client_over_https(tls_server, cert):
    c = ollama.Client(host=tls_server.url, verify=ssl.create_default_context(cafile=str(cert[0])))
    assert isinstance(c.list().models, list)


def test_cli_over_https(binary, tls_server, cert):
    env = client_env(f"https://127.0.0.1:{tls_server.port}", tls_server.home)
    env["SSL_CERT_FILE"] = str(cert[0])  # OpenSSL's standard trust override
    p = subprocess.run([str(binary), "list"], env=env, capture_output=True, text=True, timeout=HTTP_TIMEOUT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("NAME")
    # Without trusting the certificate the CLI refuses to talk.
    env.pop("SSL_CERT_FILE")
    p = subprocess.run([str(binary), "list"], env=env, capture_output=True, text=True, timeout=HTTP_TIMEOUT)
    assert p.returncode != 0


def test_bad_cert_files_refuse_to_start(binary, tmp_path, cert):
    env = client_env("127.0.0.1:0", tmp_path)
    env.update({"LOKAL_MODELS": str(tmp_path / "m"), "LOKAL_TLS_CERT": str(cert[0]),
                "LOKAL_TLS_KEY": str(tmp_path / "missing.pem")})
    p = subprocess.run([str(binary), "serve"], env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "LOKAL_TLS_KEY" in p.stderr
    assert str(tmp_path) not in p.stderr  # no absolute paths in the message
