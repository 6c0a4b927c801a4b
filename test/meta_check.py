#!/usr/bin/python3
"""Checks META.json against the PGXN Meta Spec 1.0 (https://pgxn.org/spec/).

No validator of the spec could be installed here (PGXN's own are a Perl
module and a Rust crate on registries this project does not use, and npm
has none), so this script checks the spec's rules itself:

* the required keys: name, abstract, version, maintainer, license,
  provides, meta-spec; every other key one of the spec's optional keys
  (description, generated_by, tags, no_index, prereqs, release_status,
  resources) or a custom "x_"/"X_" key;
* name: a term (at least two characters, no slash, backslash or control
  character); abstract and description non-empty strings;
* version and every provided extension's version: Semantic Versions
  (major.minor.patch[-prerelease][+build]);
* maintainer: a non-empty string or a non-empty list of them;
* license: one of the spec's license names, a non-empty list of them, or
  a non-empty object of name -> URL;
* provides: a non-empty object of extension name -> {file (required,
  a relative unix path), version (required), abstract, docfile};
* meta-spec: {version 1.0.x, url};
* prereqs: phases configure, build, runtime, test, develop; relations
  requires, recommends, suggests, conflicts; each a term -> a version
  range (0, a version, or operators <, <=, >, >=, ==, != with versions,
  comma-separated);
* release_status: stable, testing or unstable; tags: non-empty strings of
  at most 255 characters without slash, backslash or control characters;
  resources: homepage, bugtracker {web, mailto}, repository {url, web,
  type}; no_index: {file, directory} lists of strings.

And against this tree: the extension is EXTENSION of the Makefile and
ddb_fdw.control's default_version (as x.y.0), provided files and docfiles
exist, the provided file is that version's install script.

Usage: meta_check.py [META.json]; prints "ok" lines, or "FAIL ..." lines
and exits 1.
"""

import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
            "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
            "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0",
            "ssleay", "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown"}
REQUIRED = {"name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"}
OPTIONAL = {"description", "generated_by", "tags", "no_index", "prereqs", "release_status",
            "resources"}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")
TERM = re.compile(r"^[^/\\\x00-\x1f\x7f]{2,}$")
TAG = re.compile(r"^[^/\\\x00-\x1f\x7f]{1,255}$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")

errors = []


def err(path, msg):
    errors.append("%s: %s" % (path, msg))


def custom(key):
    return key[:2] in ("x_", "X_")


def nonempty_str(v):
    return isinstance(v, str) and v.strip() != ""


def check_version(path, v):
    if not (isinstance(v, str) and SEMVER.match(v)):
        err(path, "not a semantic version: %r" % (v,))


def check_range(path, v):
    if v == 0 or v == "0":
        return
    if not isinstance(v, str):
        err(path, "version range must be 0 or a string: %r" % (v,))
        return
    for part in v.split(","):
        m = re.match(r"^\s*(<=|>=|==|!=|<|>)?\s*(\S+)\s*$", part)
        if not m:
            err(path, "bad version range %r" % v)
            continue
        check_version(path, m.group(2))


def check_path(path, v):
    if not nonempty_str(v) or v.startswith("/") or "\\" in v:
        err(path, "not a relative unix path: %r" % (v,))


def check(meta):
    if not isinstance(meta, dict):
        err("$", "must be an object")
        return
    for k in REQUIRED - set(meta):
        err(k, "required key missing")
    for k in set(meta) - REQUIRED - OPTIONAL:
        if not custom(k):
            err(k, "unknown key (custom keys start with x_)")
    if "name" in meta and not (isinstance(meta["name"], str) and TERM.match(meta["name"])):
        err("name", "not a term: %r" % (meta["name"],))
    for k in ("abstract", "description", "generated_by"):
        if k in meta and not nonempty_str(meta[k]):
            err(k, "must be a non-empty string")
    if "version" in meta:
        check_version("version", meta["version"])
    m = meta.get("maintainer")
    if "maintainer" in meta and not (nonempty_str(m) or (isinstance(m, list) and m and
                                                         all(nonempty_str(x) for x in m))):
        err("maintainer", "must be a string or a non-empty list of strings")
    lic = meta.get("license")
    if "license" in meta:
        ok = (lic in LICENSES if isinstance(lic, str) else
              bool(lic) and all(x in LICENSES for x in lic) if isinstance(lic, list) else
              bool(lic) and all(isinstance(u, str) and URI.match(u) for u in lic.values())
              if isinstance(lic, dict) else False)
        if not ok:
            err("license", "not a license name, list of names, or name -> URL object: %r" % (lic,))
    prov = meta.get("provides")
    if "provides" in meta:
        if not (isinstance(prov, dict) and prov):
            err("provides", "must be a non-empty object")
        else:
            for ext, spec in prov.items():
                p = "provides.%s" % ext
                if not TERM.match(ext):
                    err(p, "extension name is not a term")
                if not isinstance(spec, dict):
                    err(p, "must be an object")
                    continue
                for k in ("file", "version"):
                    if k not in spec:
                        err(p, "%s missing" % k)
                for k in set(spec) - {"file", "version", "abstract", "docfile"}:
                    if not custom(k):
                        err(p, "unknown key %s" % k)
                if "file" in spec:
                    check_path(p + ".file", spec["file"])
                if "docfile" in spec:
                    check_path(p + ".docfile", spec["docfile"])
                if "version" in spec:
                    check_version(p + ".version", spec["version"])
                if "abstract" in spec and not nonempty_str(spec["abstract"]):
                    err(p + ".abstract", "must be a non-empty string")
    ms = meta.get("meta-spec")
    if "meta-spec" in meta:
        if not isinstance(ms, dict) or not re.match(r"^1\.0\.\d+$", str(ms.get("version", ""))):
            err("meta-spec", "must be an object with version 1.0.x")
        elif "url" in ms and not URI.match(str(ms["url"])):
            err("meta-spec.url", "not a URI")
        elif set(ms) - {"version", "url"}:
            err("meta-spec", "unknown keys %s" % sorted(set(ms) - {"version", "url"}))
    pre = meta.get("prereqs")
    if "prereqs" in meta:
        if not isinstance(pre, dict):
            err("prereqs", "must be an object")
        else:
            for phase, rels in pre.items():
                p = "prereqs.%s" % phase
                if phase not in ("configure", "build", "runtime", "test", "develop"):
                    err(p, "unknown phase")
                if not isinstance(rels, dict) or not rels:
                    err(p, "must be a non-empty object")
                    continue
                for rel, reqs in rels.items():
                    if rel not in ("requires", "recommends", "suggests", "conflicts"):
                        err("%s.%s" % (p, rel), "unknown relationship")
                    if not isinstance(reqs, dict) or not reqs:
                        err("%s.%s" % (p, rel), "must be a non-empty object")
                        continue
                    for name, rng in reqs.items():
                        if not TERM.match(name):
                            err("%s.%s.%s" % (p, rel, name), "not a term")
                        check_range("%s.%s.%s" % (p, rel, name), rng)
    if "release_status" in meta and meta["release_status"] not in ("stable", "testing",
                                                                    "unstable"):
        err("release_status", "must be stable, testing or unstable")
    tags = meta.get("tags")
    if "tags" in meta and not (isinstance(tags, list) and tags and
                               all(isinstance(t, str) and TAG.match(t) for t in tags)):
        err("tags", "must be a non-empty list of tags")
    res = meta.get("resources")
    if "resources" in meta:
        allowed = {"homepage": None, "bugtracker": {"web", "mailto"},
                   "repository": {"url", "web", "type"}}
        if not isinstance(res, dict) or not res:
            err("resources", "must be a non-empty object")
        else:
            for k, v in res.items():
                if custom(k):
                    continue
                if k not in allowed:
                    err("resources." + k, "unknown resource")
                elif allowed[k] is None:
                    if not (isinstance(v, str) and URI.match(v)):
                        err("resources." + k, "not a URI")
                elif not isinstance(v, dict) or set(v) - allowed[k] - {x for x in v if custom(x)}:
                    err("resources." + k, "must be an object of %s" % sorted(allowed[k]))
    ni = meta.get("no_index")
    if "no_index" in meta:
        if not isinstance(ni, dict) or set(ni) - {"file", "directory"} or not all(
                isinstance(v, (str, list)) for v in ni.values()):
            err("no_index", "must be an object of file and directory lists")


def check_tree(meta):
    makefile = open(os.path.join(ROOT, "Makefile")).read()
    ext = re.search(r"^EXTENSION\s*=\s*(\S+)", makefile, re.M).group(1)
    control = open(os.path.join(ROOT, ext + ".control")).read()
    default = re.search(r"^default_version\s*=\s*'([^']+)'", control, re.M).group(1)
    semver = default if default.count(".") == 2 else default + ".0"
    prov = meta.get("provides", {})
    if ext not in prov:
        err("provides", "does not provide the extension %s" % ext)
    if meta.get("version") != semver:
        err("version", "%s, but %s.control says %s" % (meta.get("version"), ext, default))
    for name, spec in prov.items():
        for k in ("file", "docfile"):
            if k in spec and not os.path.isfile(os.path.join(ROOT, spec[k])):
                err("provides.%s.%s" % (name, k), "no such file %s" % spec[k])
        if name == ext:
            if spec.get("version") != semver:
                err("provides.%s.version" % name, "%s, but the control file says %s"
                    % (spec.get("version"), default))
            if spec.get("file") != "sql/%s--%s.sql" % (ext, default):
                err("provides.%s.file" % name, "not the install script of %s" % default)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "META.json")
    try:
        meta = json.load(open(path))
    except ValueError as e:
        print("FAIL %s is not JSON: %s" % (path, e))
        return 1
    check(meta)
    if not errors:
        check_tree(meta)
    for e in errors:
        print("FAIL " + e)
    if errors:
        return 1
    print("ok %s follows the PGXN Meta Spec 1.0 and this tree" % os.path.basename(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
