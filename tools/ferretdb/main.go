// Command ferretdb runs an embedded FerretDB v1 (MongoDB wire protocol) on SQLite or PostgreSQL.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb` builds a binary that panics at start
// (its version.txt is generated at release time), so the project builds this small wrapper around
// the embeddable package instead. It also indexes lookups the way FerretDB queries them: by `_id` on
// SQLite (id_index.go), by `_id` and the collections' declared index fields on PostgreSQL (pg_index.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend handler: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:.data/ferretdb/", "SQLite directory URL (must end with /)")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL (handler postgresql)")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *version {
		fmt.Println("ferretdb-wrapper v1.24.2 (FerretDB 1.24.2)")
		return
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *pgURL,
	})
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch *handler {
	case "sqlite":
		dir, err := sqliteDir(*sqliteURL)
		if err != nil {
			log.Fatalf("ferretdb: --sqlite-url: %v", err)
		}
		go indexIDLookups(ctx, dir, 2*time.Second)
	case "postgresql":
		go indexJSONLookups(ctx, *pgURL, 2*time.Second)
	}

	log.Printf("ferretdb listening on %s (%s)", *listen, *handler)
	f.Run(ctx)
}
