--
-- types: every DynamoDB type into every sensible column type, exactly
--
\getenv big_md5 DDB_TYPES_BIG_MD5
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET extra_float_digits = 0;

-- ===================================================================
-- S, N, B, BOOL, NULL into scalar types
-- ===================================================================
CREATE FOREIGN TABLE t_scalars (
  id        text,
  s         text,
  s_vc      varchar(30) OPTIONS (attribute_name 's'),
  s_char    char(30) OPTIONS (attribute_name 's'),
  n_int     int4,
  n_int2    int2 OPTIONS (attribute_name 'n_int'),
  n_int8    int8 OPTIONS (attribute_name 'n_neg'),
  n_text    text OPTIONS (attribute_name 'n_frac'),
  n_num     numeric OPTIONS (attribute_name 'n_frac'),
  n_num2    numeric(6,2) OPTIONS (attribute_name 'n_frac'),
  n_float   float8 OPTIONS (attribute_name 'n_frac'),
  n_real    real OPTIONS (attribute_name 'n_frac'),
  s_num     numeric OPTIONS (attribute_name 'n_text'),
  b         bytea,
  b_text    text OPTIONS (attribute_name 'b'),
  bool_t    boolean,
  bool_f    boolean,
  bool_text text OPTIONS (attribute_name 'bool_t'),
  null_attr text,
  null_int  int OPTIONS (attribute_name 'null_attr'),
  ts        timestamptz,
  ts_plain  timestamp OPTIONS (attribute_name 'ts'),
  day       date,
  uid       uuid,
  epoch     timestamptz,
  epoch_ms  timestamp(3) OPTIONS (attribute_name 'epoch'),
  absent    text
) SERVER ddb OPTIONS (table_name 'types_items', partition_key 'id');

\x on
SELECT * FROM t_scalars WHERE id = 'full';
\x off
-- a missing attribute is NULL, whatever the column type
SELECT id, s IS NULL AS s, n_int IS NULL AS n_int, b IS NULL AS b, bool_t IS NULL AS bool_t,
       uid IS NULL AS uid, absent IS NULL AS absent
  FROM t_scalars WHERE id = 'missing';
SELECT pg_typeof(n_int), pg_typeof(n_int2), pg_typeof(n_int8), pg_typeof(epoch)
  FROM t_scalars WHERE id = 'full';

-- ===================================================================
-- numbers: 38 digits, 1E-130 and 9.99...E+125 round-trip exactly
-- ===================================================================
CREATE FOREIGN TABLE t_numbers (
  id         text,
  n38        numeric,
  n38_text   text OPTIONS (attribute_name 'n38'),
  n38_neg    numeric,
  n38_frac   numeric,
  n_tiny     numeric,
  n_tiny_neg numeric,
  n_huge     numeric,
  n_huge_f   float8 OPTIONS (attribute_name 'n_huge'),
  n_tiny_f   float8 OPTIONS (attribute_name 'n_tiny'),
  n_zero     numeric,
  n_zero_i   int2 OPTIONS (attribute_name 'n_zero'),
  n_int64    int8,
  n_exp      numeric,
  n_exp_i    int4 OPTIONS (attribute_name 'n_exp'),
  s_empty    text,
  item       jsonb OPTIONS (whole_item 'true')
) SERVER ddb OPTIONS (table_name 'types_items', partition_key 'id');

\x on
SELECT id, n38, n38_text, n38_neg, n38_frac, n_huge_f, n_tiny_f, n_zero, n_zero_i,
       n_int64, n_exp, n_exp_i, s_empty = '' AS s_empty_is_empty
  FROM t_numbers WHERE id = 'edge';
\x off
SELECT n_tiny = 1e-130 AS tiny_exact, n_tiny_neg = -1e-130 AS tiny_neg_exact,
       n_huge = 9.9999999999999999999999999999999999999e125 AS huge_exact,
       n38 = 99999999999999999999999999999999999999 AS n38_exact,
       n38_frac = 1234567890123456789.0123456789012345678 AS frac_exact,
       scale(n_tiny) AS tiny_scale, length(n_huge::text) AS huge_digits
  FROM t_numbers WHERE id = 'edge';
-- the same numbers in the whole-item jsonb keep every digit too
SELECT (item->'n_tiny')::numeric = 1e-130 AS tiny, (item->'n_huge')::numeric = n_huge AS huge,
       item->'n38' AS n38, item->'n38_neg' AS n38_neg, item->'n38_frac' AS n38_frac,
       item->'n_int64' AS n_int64, item->'n_exp' AS n_exp, jsonb_typeof(item->'n38') AS type
  FROM t_numbers WHERE id = 'edge';

-- ===================================================================
-- M, L and sets into json, jsonb, text and arrays
-- ===================================================================
CREATE FOREIGN TABLE t_complex (
  id        text,
  m         jsonb,
  m_json    json OPTIONS (attribute_name 'm'),
  m_text    text OPTIONS (attribute_name 'm'),
  l         jsonb,
  l_json    json OPTIONS (attribute_name 'l'),
  ss        text[],
  ss_vc     varchar(1)[] OPTIONS (attribute_name 'ss'),
  ss_jsonb  jsonb OPTIONS (attribute_name 'ss'),
  ss_text   text OPTIONS (attribute_name 'ss'),
  ns        numeric[],
  ns_f      float8[] OPTIONS (attribute_name 'ns'),
  ns_jsonb  jsonb OPTIONS (attribute_name 'ns'),
  bs        bytea[],
  bs_jsonb  jsonb OPTIONS (attribute_name 'bs'),
  int_list  int[],
  l_text_arr text[] OPTIONS (attribute_name 'int_list'),
  empty_m   jsonb,
  empty_l   jsonb,
  empty_l_arr int[] OPTIONS (attribute_name 'empty_l'),
  s_jsonb   jsonb OPTIONS (attribute_name 's'),
  n_jsonb   jsonb OPTIONS (attribute_name 'n_frac'),
  bool_json json OPTIONS (attribute_name 'bool_t'),
  null_jsonb jsonb OPTIONS (attribute_name 'null_attr'),
  null_json json OPTIONS (attribute_name 'null_attr'),
  b_jsonb   jsonb OPTIONS (attribute_name 'b')
) SERVER ddb OPTIONS (table_name 'types_items', partition_key 'id');

\x on
SELECT * FROM t_complex WHERE id = 'full';
\x off
SELECT m -> 'c' -> 0 AS m_c_0, l -> 4 ->> 'k' AS l_4_k, array_length(ss, 1) AS ss_len,
       ns[2] AS ns_2, bs[1] AS bs_1, int_list[3] + 1 AS int_list_3_plus_1,
       pg_typeof(m_json) AS m_json_type, jsonb_typeof(null_jsonb) AS null_type
  FROM t_complex WHERE id = 'full';
-- nesting ten maps deep
CREATE FOREIGN TABLE t_deep (id text, m jsonb) SERVER ddb
  OPTIONS (table_name 'types_items', partition_key 'id');
SELECT m #>> '{next,next,next,next,next,next,next,next,next,next}' AS bottom,
       m #>> '{next,next,next,next,next,next,next,next,next,level}' AS level
  FROM t_deep WHERE id = 'deep';

-- ===================================================================
-- unicode, escapes, awkward attribute names, a ~390 KB item
-- ===================================================================
CREATE FOREIGN TABLE t_text (
  id          text,
  s           text,
  s_escapes   text,
  cyrillic    text OPTIONS (attribute_name 'ключ'),
  spaced      text OPTIONS (attribute_name 'with space'),
  dotted      text OPTIONS (attribute_name 'a.b'),
  reserved    text OPTIONS (attribute_name 'select'),
  m           jsonb,
  payload     text,
  item        json OPTIONS (whole_item 'true')
) SERVER ddb OPTIONS (table_name 'types_items', partition_key 'id');

SELECT id, s, length(s) AS chars, octet_length(s) AS bytes, cyrillic, spaced, dotted, reserved, m
  FROM t_text WHERE id = 'unicode';
SELECT s_escapes, s_escapes = E'line1\nline2\t"quoted" back\\slash \x01 /' AS exact
  FROM t_text WHERE id = 'unicode';
SELECT item FROM t_text WHERE id = 'unicode';
SELECT length(payload) AS chars, md5(payload) = :'big_md5' AS payload_exact
  FROM t_text WHERE id = 'big';
-- projection asks DynamoDB for exactly the needed attributes, by placeholder
EXPLAIN (VERBOSE, COSTS OFF) SELECT cyrillic, spaced, dotted, reserved FROM t_text;
SELECT count(*) FILTER (WHERE spaced IS NOT NULL) AS spaced,
       count(*) FILTER (WHERE reserved IS NOT NULL) AS reserved
  FROM t_text;

-- ===================================================================
-- the whole item as jsonb, json and text
-- ===================================================================
CREATE FOREIGN TABLE t_items (
  id       text,
  doc      jsonb OPTIONS (whole_item 'true'),
  doc_json json OPTIONS (whole_item 'true'),
  doc_text text OPTIONS (whole_item 'true')
) SERVER ddb OPTIONS (table_name 'types_items', partition_key 'id');
SELECT id, doc FROM t_items WHERE id IN ('missing', 'full') ORDER BY id;
SELECT doc_json::jsonb = doc AS json_same, doc_text::jsonb = doc AS text_same
  FROM t_items WHERE id <> 'big' ORDER BY id;

DROP FOREIGN TABLE t_scalars, t_numbers, t_complex, t_deep, t_text, t_items;
