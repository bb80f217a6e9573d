// note_check exercises golang.org/x/mod/sumdb/note (the reference implementation of C2SP
// signed notes), independent of quantum-ops' code:
//   note_check verify VERIFIER_KEY < NOTE    prints the verified text, exit 1 if refused
//   note_check sign NAME < TEXT              prints "<verifier key>\n" and the signed note
package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	switch os.Args[1] {
	case "verify":
		v, err := note.NewVerifier(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad verifier key:", err)
			os.Exit(2)
		}
		n, err := note.Open(in, note.VerifierList(v))
		if err != nil {
			fmt.Fprintln(os.Stderr, "refused:", err)
			os.Exit(1)
		}
		fmt.Print(n.Text)
	case "sign":
		skey, vkey, err := note.GenerateKey(rand.Reader, os.Args[2])
		if err != nil {
			panic(err)
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			panic(err)
		}
		msg, err := note.Sign(&note.Note{Text: string(in)}, s)
		if err != nil {
			panic(err)
		}
		fmt.Println(vkey)
		fmt.Print(string(msg))
	}
}
