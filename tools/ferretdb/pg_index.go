package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// FerretDB 1.24 on PostgreSQL keeps each document in one jsonb column and pushes a filter's equality on a
// field down as `_jsonb->'field' @> '"value"'` (`_jsonb #> '{a,b}' @> …` for a dotted field). Its own
// indexes are btree indexes on `_jsonb->'field'`, which `@>` cannot use, so every filtered query, even by
// _id, reads the whole table (measured: 130 ms for a find by _id at 100,000 messages). This adds to every
// collection table a GIN index (jsonb_path_ops) on `_jsonb->'_id'` and on the first field of each index
// the collection declares, so those queries are index scans (4 ms). FerretDB names the field as a query
// parameter, so PostgreSQL runs with plan_cache_mode=force_custom_plan (scripts/lib/postgres.ts): only a
// plan made for the parameter's value matches these indexes.

const jsonLookupSuffix = "_coco_gin"

// The path of the first key of a btree index FerretDB created: `((_jsonb -> 'a'::text) -> 'b'::text)`.
var firstKey = regexp.MustCompile(`USING btree \(\(\((\(*_jsonb(?: -> '[^']*'::text\)?)+)\)`)
var keyPart = regexp.MustCompile(`'([^']*)'::text`)

// indexJSONLookups adds the indexes now, then every interval, so collections and indexes created later
// get theirs within that time.
func indexJSONLookups(ctx context.Context, url string, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()

	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()

	for {
		var err error
		if conn == nil || conn.IsClosed() {
			conn, err = connect(ctx, url)
		}
		if err == nil {
			err = indexTables(ctx, conn)
		}
		if err != nil && ctx.Err() == nil {
			log.Printf("ferretdb: jsonb lookup indexes: %v", err)
			if conn != nil {
				conn.Close(ctx)
				conn = nil
			}
		}

		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// connect opens the connection the indexes are made on. Its statements wait at most lockTimeout for a
// lock: a build must never hold up FerretDB's own DDL (dropping a database or collection while a build
// waits on it ended in "deadlock detected" for the drop). A build that gave up is tried again next round.
func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["lock_timeout"] = "200ms"
	cfg.RuntimeParams["application_name"] = "coco-ferretdb-indexer"
	return pgx.ConnectConfig(ctx, cfg)
}

// lookupIndex is one GIN index to have: on which table, over which document path.
type lookupIndex struct {
	schema, table string
	path          []string
}

// expression is how FerretDB's pushdown addresses the path.
func (l lookupIndex) expression() string {
	if len(l.path) == 1 {
		return fmt.Sprintf("(_jsonb -> %s)", quoteLiteral(l.path[0]))
	}
	return fmt.Sprintf("(_jsonb #> %s::text[])", quoteLiteral("{"+strings.Join(l.path, ",")+"}"))
}

func (l lookupIndex) name() string {
	sum := sha256.Sum256([]byte(l.schema + "." + l.table + "." + strings.Join(l.path, ".")))
	return l.table + "_" + hex.EncodeToString(sum[:4]) + jsonLookupSuffix
}

// indexTables creates the missing indexes of every FerretDB collection table.
func indexTables(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT schemaname, tablename, indexdef FROM pg_indexes
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND indexdef LIKE '%USING btree (((_jsonb%'`)
	if err != nil {
		return err
	}
	wanted := map[string]lookupIndex{}
	for rows.Next() {
		var schema, table, def string
		if err := rows.Scan(&schema, &table, &def); err != nil {
			rows.Close()
			return err
		}
		for _, path := range [][]string{{"_id"}, firstKeyPath(def)} {
			if len(path) == 0 {
				continue
			}
			l := lookupIndex{schema: schema, table: table, path: path}
			wanted[l.name()] = l
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// name → valid; a CONCURRENTLY build that failed leaves an invalid index behind, dropped and built again.
	existing := map[string]bool{}
	rows, err = conn.Query(ctx, `SELECT c.relname, i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
		WHERE c.relname LIKE '%'||$1`, jsonLookupSuffix)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		var valid bool
		if err := rows.Scan(&name, &valid); err != nil {
			rows.Close()
			return err
		}
		existing[name] = valid
	}
	rows.Close()

	for name, l := range wanted {
		valid, found := existing[name]
		if valid {
			continue
		}
		if found {
			q := fmt.Sprintf(`DROP INDEX CONCURRENTLY IF EXISTS %s`, pgx.Identifier{l.schema, name}.Sanitize())
			if _, err := conn.Exec(ctx, q); err != nil {
				continue // next round
			}
		}
		// CONCURRENTLY: writes to the table go on while the index is built. A table dropped meanwhile fails the
		// statement; the next round no longer sees it.
		q := fmt.Sprintf(`CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s USING gin (%s jsonb_path_ops)`,
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{l.schema, l.table}.Sanitize(), l.expression())
		if _, err := conn.Exec(ctx, q); err != nil && ctx.Err() == nil {
			log.Printf("ferretdb: jsonb lookup index on %s.%s %v: %v", l.schema, l.table, l.path, err)
		}
	}
	return nil
}

// firstKeyPath reads the document path of the first key of a btree index definition.
func firstKeyPath(def string) []string {
	m := firstKey.FindStringSubmatch(def)
	if m == nil {
		return nil
	}
	var path []string
	for _, p := range keyPart.FindAllStringSubmatch(m[1], -1) {
		path = append(path, strings.ReplaceAll(p[1], "''", "'"))
	}
	return path
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
