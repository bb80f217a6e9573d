// tlog_root prints the RFC 6962 tree hash (base64) of the lines of stdin, each line a
// leaf without its newline, computed by golang.org/x/mod/sumdb/tlog (Go's checksum
// database), an implementation independent of quantum-ops'. With -at N,M,... it prints
// the tree hash of the first N leaves for each N.
package main

import (
	"bufio"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

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

func main() {
	at := flag.String("at", "", "comma-separated tree sizes")
	flag.Parse()
	stored := memory{}
	var n int64
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			break
		}
		leaf := []byte(strings.TrimSuffix(line, "\n"))
		hashes, err := tlog.StoredHashes(n, leaf, stored)
		if err != nil {
			panic(err)
		}
		for i, h := range hashes {
			stored[tlog.StoredHashIndex(0, n)+int64(i)] = h
		}
		n++
	}
	sizes := []int64{n}
	if *at != "" {
		sizes = nil
		for _, s := range strings.Split(*at, ",") {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				panic(err)
			}
			sizes = append(sizes, v)
		}
	}
	for _, size := range sizes {
		h, err := tlog.TreeHash(size, stored)
		if err != nil {
			panic(err)
		}
		fmt.Println(size, base64.StdEncoding.EncodeToString(h[:]))
	}
}
