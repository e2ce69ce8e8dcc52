// An independent C2SP tlog-tiles client for mandate's interop test, built
// on Go's own transparency-log packages (golang.org/x/mod/sumdb/note and
// sumdb/tlog, the Go checksum database's client code, from Debian's
// golang-golang-x-mod-dev). It trusts nothing the server says until it has
// checked it:
//
//   - the checkpoint is a signed note that verifies under -vkey (Ed25519,
//     C2SP signed-note key type 0x01) and whose body is origin, size, root;
//   - every entry bundle up to that size parses (uint16 length + bytes),
//     and the RFC 6962 tree built here from those entries alone has the
//     checkpoint's root;
//   - every hash tile the tree needs (full and partial, every level) is
//     byte for byte the tile computed here from the entries;
//   - through the server's tiles only (tlog.TileHashReader, which checks
//     each tile it reads against the root), each entry's inclusion proof
//     verifies, and with -old-size/-old-root the consistency proof between
//     an earlier checkpoint and this one;
//   - tiles beyond the tree answer 404 and a malformed path a 400.
//
// Go's tile paths are tile/<H>/<L>/<N> with H = 8 and "data" for entries;
// C2SP's are tile/<L>/<N> and tile/entries/<N>: mapped in c2spPath.
//
// Prints {"size":N,"root":"base64"} on success; exits 1 with the reason otherwise.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

type server struct {
	base  string
	token string
}

func (s server) get(path string) (int, []byte, http.Header, error) {
	req, err := http.NewRequest("GET", s.base+"/"+path, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp.Header, err
}

func (s server) mustGet(path, contentType string) ([]byte, error) {
	status, body, header, err := s.get(path)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", path, err)
	}
	if status != 200 {
		return nil, fmt.Errorf("GET %s: status %d: %s", path, status, body)
	}
	if got := header.Get("Content-Type"); got != contentType {
		return nil, fmt.Errorf("GET %s: Content-Type %q, want %q", path, got, contentType)
	}
	return body, nil
}

// c2spPath maps Go's tile/8/<L>/<N>[.p/<W>] onto C2SP's tile/<L>/<N>[.p/<W>].
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// tileReader serves Go's TileHashReader from the server.
type tileReader struct{ s server }

func (r tileReader) Height() int { return height }
func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.s.mustGet(c2spPath(t), "application/octet-stream")
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}
func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func openCheckpoint(text []byte, vkey string) (checkpoint, error) {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return checkpoint{}, fmt.Errorf("verifier key: %v", err)
	}
	n, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint note: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return checkpoint{}, fmt.Errorf("checkpoint body %q is not origin, size, root", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("checkpoint size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("checkpoint root %q", lines[2])
	}
	if lines[0] != verifier.Name() {
		return checkpoint{}, fmt.Errorf("checkpoint origin %q is not the key's name %q", lines[0], verifier.Name())
	}
	var h tlog.Hash
	copy(h[:], root)
	return checkpoint{lines[0], size, h}, nil
}

func parseBundle(data []byte, want int) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, errors.New("bundle ends inside a length")
		}
		n := int(data[0])<<8 | int(data[1])
		if len(data) < 2+n {
			return nil, fmt.Errorf("bundle entry %d claims %d bytes, %d left", len(entries), n, len(data)-2)
		}
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	if len(entries) != want {
		return nil, fmt.Errorf("bundle holds %d entries, want %d", len(entries), want)
	}
	return entries, nil
}

func run() error {
	base := flag.String("url", "", "the log's prefix URL, e.g. http://127.0.0.1:8080/tlog")
	vkey := flag.String("vkey", "", "the log's C2SP verifier key")
	token := flag.String("token", "", "a bearer token, when the tiles need one")
	oldSize := flag.Int64("old-size", 0, "an earlier checkpoint's size, to prove consistency with")
	oldRoot := flag.String("old-root", "", "that checkpoint's root (base64)")
	flag.Parse()
	s := server{strings.TrimSuffix(*base, "/"), *token}

	text, err := s.mustGet("checkpoint", "text/plain; charset=utf-8")
	if err != nil {
		return err
	}
	cp, err := openCheckpoint(text, *vkey)
	if err != nil {
		return err
	}

	// The tree, rebuilt here from the entries alone.
	var stored []tlog.Hash
	local := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not computed", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	var records []tlog.Hash
	for _, t := range tlog.NewTiles(height, 0, cp.size) {
		if t.L != 0 || (t.W != 1<<height && t.W != int(cp.size%(1<<height))) {
			continue // one bundle per level-0 tile: full ones and the last partial one
		}
		t.L = -1
		data, err := s.mustGet(c2spPath(t), "application/octet-stream")
		if err != nil {
			return err
		}
		entries, err := parseBundle(data, t.W)
		if err != nil {
			return fmt.Errorf("%s: %v", c2spPath(t), err)
		}
		for i, e := range entries {
			n := t.N<<height + int64(i)
			hashes, err := tlog.StoredHashes(n, e, local)
			if err != nil {
				return err
			}
			stored = append(stored, hashes...)
			records = append(records, tlog.RecordHash(e))
		}
	}
	if int64(len(records)) != cp.size {
		return fmt.Errorf("bundles held %d entries, the checkpoint says %d", len(records), cp.size)
	}
	root, err := tlog.TreeHash(cp.size, local)
	if err != nil {
		return err
	}
	if root != cp.root {
		return fmt.Errorf("the entries' tree hash %v is not the checkpoint's root %v", root, cp.root)
	}

	// Every tile the tree needs, against the one computed from the entries.
	tiles := 0
	for _, t := range tlog.NewTiles(height, 0, cp.size) {
		want, err := tlog.ReadTileData(t, local)
		if err != nil {
			return err
		}
		got, err := s.mustGet(c2spPath(t), "application/octet-stream")
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s differs from the tile computed from the entries", c2spPath(t))
		}
		tiles++
	}

	// Proofs from the server's tiles alone, each tile checked against the root.
	remote := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, tileReader{s})
	if th, err := tlog.TreeHash(cp.size, remote); err != nil || th != cp.root {
		return fmt.Errorf("tree hash from the tiles: %v %v", th, err)
	}
	for n, h := range records {
		proof, err := tlog.ProveRecord(cp.size, int64(n), remote)
		if err != nil {
			return fmt.Errorf("inclusion proof of %d from the tiles: %v", n, err)
		}
		if err := tlog.CheckRecord(proof, cp.size, cp.root, int64(n), h); err != nil {
			return fmt.Errorf("inclusion of entry %d: %v", n, err)
		}
	}
	if *oldSize > 0 {
		old, err := base64.StdEncoding.DecodeString(*oldRoot)
		if err != nil || len(old) != tlog.HashSize {
			return fmt.Errorf("-old-root %q", *oldRoot)
		}
		var oh tlog.Hash
		copy(oh[:], old)
		proof, err := tlog.ProveTree(cp.size, *oldSize, remote)
		if err != nil {
			return fmt.Errorf("consistency proof from the tiles: %v", err)
		}
		if err := tlog.CheckTree(proof, cp.size, cp.root, *oldSize, oh); err != nil {
			return fmt.Errorf("consistency of %d with %d: %v", *oldSize, cp.size, err)
		}
	}

	// What lies beyond the tree is not served; a malformed path is refused.
	beyond := tlog.Tile{H: height, L: 0, N: cp.size >> height, W: int(cp.size%(1<<height)) + 1}
	if beyond.W > 1<<height-1 {
		beyond = tlog.Tile{H: height, L: 0, N: cp.size>>height + 1, W: 1}
	}
	for path, want := range map[string]int{c2spPath(beyond): 404, "tile/0/x000/001": 400, "tile/0/1": 400, "tile/0/000.p/256": 400} {
		status, body, _, err := s.get(path)
		if err != nil || status != want {
			return fmt.Errorf("GET %s: status %d (%v), want %d: %s", path, status, err, want, body)
		}
	}

	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"origin": cp.origin, "size": cp.size, "root": base64.StdEncoding.EncodeToString(cp.root[:]),
		"tiles": tiles, "entries": len(records),
	})
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tiles checker:", err)
		os.Exit(1)
	}
}
