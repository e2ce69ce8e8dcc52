// verify_cosigned checks a witness's monitoring checkpoint outside mandate:
// the log's signature with golang.org/x/mod/sumdb/note (an independent
// implementation of C2SP signed-note, which also parses the cosignature line
// and must ignore it as an unknown key), and the cosignature/v1 by the
// C2SP tlog-cosignature text with Go's crypto/ed25519 (no Go library knows
// type 0x04; these few lines follow the spec, not mandate's code).
//
//	go run verify_cosigned.go <log vkey> <cosigner vkey> <checkpoint file>
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: verify_cosigned <log vkey> <cosigner vkey> <checkpoint file>")
	}
	msg, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail("%v", err)
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("log vkey: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	if len(n.Sigs) != 1 || len(n.UnverifiedSigs) != 1 {
		fail("expected one log signature and one other line, got %d and %d", len(n.Sigs), len(n.UnverifiedSigs))
	}

	// The cosigner vkey: <name>+<hex key ID>+base64(0x04 || key).
	parts := strings.SplitN(os.Args[2], "+", 3)
	if len(parts) != 3 {
		fail("cosigner vkey: not name+id+key")
	}
	name := parts[0]
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		fail("cosigner vkey: not type 0x04 with a 32-byte key")
	}
	h := sha256.Sum256(append([]byte(name+"\n"), raw...))
	keyID := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", keyID) != parts[1] {
		fail("cosigner vkey: key ID does not match")
	}
	sig := n.UnverifiedSigs[0]
	if sig.Name != name || sig.Hash != keyID {
		fail("the other line is not the cosigner's: %s %08x", sig.Name, sig.Hash)
	}
	blob, err := base64.StdEncoding.DecodeString(sig.Base64)
	if err != nil || len(blob) != 4+8+64 || !bytes.Equal(blob[:4], h[:4]) {
		fail("cosignature: not key ID, timestamp and Ed25519 signature")
	}
	timestamp := binary.BigEndian.Uint64(blob[4:12])
	signed := "cosignature/v1\ntime " + strconv.FormatUint(timestamp, 10) + "\n" + n.Text
	if timestamp == 0 || !ed25519.Verify(ed25519.PublicKey(raw[1:]), []byte(signed), blob[12:]) {
		fail("cosignature does not verify")
	}
	fmt.Printf("ok log=%s witness=%s time=%d\n", n.Sigs[0].Name, name, timestamp)
}
