// Command apicount prints the size of a package's exported surface: the
// number of its top-level exported names (functions, types, variables,
// constants) plus the exported methods of its exported types. Struct fields
// and interface methods are not counted. Test files are skipped.
//
//	go run ./internal/cmd/apicount                # the SDK's public packages
//	go run ./internal/cmd/apicount -v ./chatmsg   # one package, every name
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
)

// defaultDirs are the packages a user of the SDK imports.
var defaultDirs = []string{
	"./chatmsg",
	"./chatmsg/broadcast",
	"./chatmsg/exactlyonce",
	"./chatmsg/watch",
	"./okayapi",
	"./okayapi/okayapitest",
	"./okayapi/okayapitest/cassette",
}

func main() {
	verbose := flag.Bool("v", false, "list every counted name")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		dirs = defaultDirs
	}
	total := 0
	for _, dir := range dirs {
		names, err := exportedNames(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "apicount:", err)
			os.Exit(1)
		}
		fmt.Printf("%-32s %4d\n", dir, len(names))
		if *verbose {
			for _, n := range names {
				fmt.Printf("\t%s\n", n)
			}
		}
		total += len(names)
	}
	if len(dirs) > 1 {
		fmt.Printf("%-32s %4d\n", "total", total)
	}
}

// exportedNames returns, sorted, the exported names of the package in dir
// (its non-test files for the current platform): top-level names, and
// "Type.Method" for each exported method of an exported type.
func exportedNames(dir string) ([]string, error) {
	pkg, err := build.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var names []string
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		names = append(names, fileNames(f)...)
	}
	slices.Sort(names)
	return names, nil
}

// fileNames returns the exported names one file declares.
func fileNames(f *ast.File) []string {
	var names []string
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil {
				names = append(names, d.Name.Name)
				continue
			}
			if recv := receiverType(d.Recv.List[0].Type); ast.IsExported(recv) {
				names = append(names, recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						names = append(names, s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, id := range s.Names {
						if id.IsExported() {
							names = append(names, id.Name)
						}
					}
				}
			}
		}
	}
	return names
}

// receiverType returns the name of a method's receiver type: T from T,
// *T, T[P] or *T[P, Q].
func receiverType(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}
