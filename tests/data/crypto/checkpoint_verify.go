// checkpoint_verify checks a quantum-ops checkpoint against its log with golang.org/x/mod
// only (sumdb/note for the signed note, sumdb/tlog for the RFC 6962 tree), independent of
// quantum-ops' code:
//   checkpoint_verify VERIFIER_KEY CHECKPOINT_FILE LOG_FILE [ledger]
// The leaves are the log's lines without their newlines, in file order; with "ledger",
// the text between each entry's ```yaml fence and its closing fence (in the month
// sections), in append order: unchained entries from the bottom of the file up, then the
// chained ones by chain_seq. Prints
// "<origin> <size> <base64 root>" and exits 0 when the note verifies and the log's first
// <size> lines hash to <root>; exit 1 otherwise.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type memory map[int64]tlog.Hash

func (m memory) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := m[x]
		if !ok {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	v, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("bad verifier key: %v", err)
	}
	msg, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note refused: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("not a checkpoint of %s: %q", v.Name(), n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("bad size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("bad root %q", lines[2])
	}
	log, err := os.ReadFile(os.Args[3])
	if err != nil {
		panic(err)
	}
	var leaves [][]byte
	if len(os.Args) > 4 && os.Args[4] == "ledger" {
		leaves = ledgerLeaves(string(log))
	} else {
		for _, l := range bytes.SplitAfter(log, []byte("\n")) {
			if !bytes.HasSuffix(l, []byte("\n")) {
				break
			}
			leaves = append(leaves, bytes.TrimSuffix(l, []byte("\n")))
		}
	}
	stored := memory{}
	var count int64
	for _, l := range leaves {
		if count == size {
			break
		}
		hashes, err := tlog.StoredHashes(count, l, stored)
		if err != nil {
			panic(err)
		}
		for i, h := range hashes {
			stored[tlog.StoredHashIndex(0, count)+int64(i)] = h
		}
		count++
	}
	if count < size {
		fail("the log has %d lines, the checkpoint names %d", count, size)
	}
	h, err := tlog.TreeHash(size, stored)
	if err != nil {
		panic(err)
	}
	if !bytes.Equal(h[:], root) {
		fail("the first %d lines hash to %s, the checkpoint says %s", size,
			base64.StdEncoding.EncodeToString(h[:]), lines[2])
	}
	fmt.Println(lines[0], size, lines[2])
}

var monthHeading = regexp.MustCompile(`^## \d{4}-\d{2}\s*$`)
var chainSeq = regexp.MustCompile(`(?m)^chain_seq: (\d+)$`)

func ledgerLeaves(text string) [][]byte {
	type block struct {
		body string
		seq  int64 // -1: unchained
	}
	var blocks []block
	inMonths, trailer := false, false
	lines := strings.SplitAfter(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSuffix(lines[i], "\n")
		switch {
		case monthHeading.MatchString(l):
			inMonths = inMonths || !trailer
		case strings.HasPrefix(l, "## ") && inMonths:
			trailer = true
		case strings.TrimRight(l, " ") == "```yaml":
			body := ""
			for i++; i < len(lines) && strings.TrimRight(strings.TrimSuffix(lines[i], "\n"), " ") != "```"; i++ {
				body += lines[i]
			}
			if inMonths && !trailer {
				b := block{body, -1}
				if m := chainSeq.FindStringSubmatch(body); m != nil {
					b.seq, _ = strconv.ParseInt(m[1], 10, 64)
				}
				blocks = append(blocks, b)
			}
		}
	}
	var legacy, chained []block
	for i := len(blocks) - 1; i >= 0; i-- {
		if blocks[i].seq < 0 {
			legacy = append(legacy, blocks[i])
		} else {
			chained = append(chained, blocks[i])
		}
	}
	sort.SliceStable(chained, func(a, b int) bool { return chained[a].seq < chained[b].seq })
	var out [][]byte
	for _, b := range append(legacy, chained...) {
		out = append(out, []byte(b.body))
	}
	return out
}
