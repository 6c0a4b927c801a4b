--
-- import: IMPORT FOREIGN SCHEMA, one foreign table per DynamoDB table
--
\getenv table_count DDB_TABLE_COUNT
SET client_min_messages = warning;
SELECT ddb_test.reset_requests();

-- ===================================================================
-- LIMIT TO and EXCEPT
-- ===================================================================
CREATE SCHEMA imp;
IMPORT FOREIGN SCHEMA "any name at all" LIMIT TO (customers, "Orders.2024-v1", bin_keys)
  FROM SERVER ddb INTO imp;
\det+ imp.*
\d imp.customers
\d imp."Orders.2024-v1"
\d imp.bin_keys

-- ListTables went through all pages: more than 100 tables
SELECT op, count(*) AS requests, bool_or(start_key) AS paged
  FROM ddb_test.requests(true) GROUP BY op ORDER BY op;

-- every table but three
CREATE SCHEMA imp_all;
IMPORT FOREIGN SCHEMA dynamodb EXCEPT (customers, scan_items, imp_050)
  FROM SERVER ddb INTO imp_all;
SELECT count(*) = :table_count - 3 AS all_but_three
  FROM information_schema.foreign_tables WHERE foreign_table_schema = 'imp_all';
SELECT foreign_table_name FROM information_schema.foreign_tables
 WHERE foreign_table_schema = 'imp_all'
   AND foreign_table_name IN ('customers', 'scan_items', 'imp_049', 'imp_050', 'imp_051', 'imp_104')
 ORDER BY 1;

-- ===================================================================
-- awkward names are kept exactly
-- ===================================================================
-- SQL reserved words as table and attribute names, a number key
\d imp_all."select"
SELECT * FROM imp_all."select";
-- a unicode key attribute
\d imp_all.unicode_key
SELECT * FROM imp_all.unicode_key;
-- an attribute name longer than 63 bytes keeps its full name in attribute_name
\d imp_all.long_attr
SELECT item->>('attribute_' || repeat('x', 70)) AS by_full_name, * FROM imp_all.long_attr;
-- two table names that agree in their first 63 bytes
SELECT c.relname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'imp_all'::regnamespace AND c.relname LIKE 'ttt%'
 ORDER BY 1;
-- a key attribute called "item": the whole-item column moves aside
\d imp_all.item_named
SELECT * FROM imp_all.item_named;
-- composite and binary keys read back exactly
SELECT "Customer ID", "order#", item FROM imp."Orders.2024-v1" ORDER BY 1, 2;
SELECT k, s, item FROM imp.bin_keys ORDER BY k;

-- ===================================================================
-- import options and errors
-- ===================================================================
CREATE SCHEMA imp_opt;
IMPORT FOREIGN SCHEMA x LIMIT TO (customers) FROM SERVER ddb INTO imp_opt
  OPTIONS (item_column 'doc');
\d imp_opt.customers
IMPORT FOREIGN SCHEMA x LIMIT TO (customers) FROM SERVER ddb INTO imp_opt
  OPTIONS (item_colum 'doc');
IMPORT FOREIGN SCHEMA x LIMIT TO (customers) FROM SERVER ddb INTO imp_opt
  OPTIONS (item_column '');
-- importing twice is refused by PostgreSQL, naming the table
IMPORT FOREIGN SCHEMA x LIMIT TO (customers) FROM SERVER ddb INTO imp_opt;
-- a schema that does not exist
IMPORT FOREIGN SCHEMA x FROM SERVER ddb INTO no_such_schema;
-- LIMIT TO a table DynamoDB does not have imports nothing
IMPORT FOREIGN SCHEMA x LIMIT TO (no_such_table) FROM SERVER ddb INTO imp_opt;
SELECT count(*) FROM information_schema.foreign_tables WHERE foreign_table_schema = 'imp_opt';

DROP SCHEMA imp, imp_all, imp_opt CASCADE;
