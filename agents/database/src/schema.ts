import type { Migration } from '@mesh/backends';

/** business_db schema. Applied by runMigrations under an advisory lock at every start; never edit an applied step. */
export const BUSINESS_DB_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-users',
    sql: `CREATE TABLE users (
            id text PRIMARY KEY,
            username text NOT NULL UNIQUE,
            email text NOT NULL UNIQUE,
            name text NOT NULL,
            phone text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    id: '002-stock-and-reservations',
    sql: `CREATE TABLE stock (
            sku text PRIMARY KEY,
            name text NOT NULL,
            price numeric(12, 2) NOT NULL CHECK (price >= 0),
            available bigint NOT NULL CHECK (available >= 0),
            reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
            sold bigint NOT NULL DEFAULT 0 CHECK (sold >= 0),
            updated_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE reservations (
            id text PRIMARY KEY,
            order_id text NOT NULL UNIQUE,
            status text NOT NULL CHECK (status IN ('reserved', 'committed', 'released', 'expired')),
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now());
          CREATE INDEX reservations_pending_expiry ON reservations (expires_at) WHERE status = 'reserved';
          CREATE TABLE reservation_items (
            reservation_id text NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
            sku text NOT NULL REFERENCES stock (sku),
            quantity integer NOT NULL CHECK (quantity > 0),
            PRIMARY KEY (reservation_id, sku))`,
  },
  {
    // Reserve, commit and release as one round trip each: the statements run inside the server, so stock rows
    // stay locked only for the UPDATE and the commit that follows it, never across client round trips.
    id: '003-reservation-functions',
    sql: `CREATE FUNCTION mesh_reserve_stock(p_id text, p_order_id text, p_skus text[], p_quantities bigint[],
                                             p_ttl_seconds double precision)
          RETURNS TABLE (id text, order_id text, status text, expires_at timestamptz, skus text[],
                         quantities bigint[], replayed boolean)
          LANGUAGE plpgsql AS $fn$
          #variable_conflict use_column
          DECLARE
            v_row reservations%ROWTYPE;
            v_updated integer;
          BEGIN
            INSERT INTO reservations AS r (id, order_id, status, expires_at)
            VALUES (p_id, p_order_id, 'reserved', now() + make_interval(secs => p_ttl_seconds))
            ON CONFLICT DO NOTHING
            RETURNING r.* INTO v_row;
            IF NOT FOUND THEN
              SELECT r.* INTO v_row FROM reservations r WHERE r.order_id = p_order_id;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'reservation id % is already used by another order', p_id USING ERRCODE = 'MS001';
              END IF;
              RETURN QUERY SELECT v_row.id, v_row.order_id, v_row.status, v_row.expires_at,
                  array_agg(i.sku ORDER BY i.sku), array_agg(i.quantity::bigint ORDER BY i.sku), true
                FROM reservation_items i WHERE i.reservation_id = v_row.id;
              RETURN;
            END IF;
            INSERT INTO reservation_items (reservation_id, sku, quantity)
              SELECT v_row.id, t.sku, t.quantity FROM unnest(p_skus, p_quantities) AS t(sku, quantity);
            IF cardinality(p_skus) > 1 THEN
              PERFORM 1 FROM stock s WHERE s.sku = ANY(p_skus) ORDER BY s.sku FOR NO KEY UPDATE;
            END IF;
            UPDATE stock s SET available = s.available - t.quantity, reserved = s.reserved + t.quantity,
                               updated_at = now()
              FROM unnest(p_skus, p_quantities) AS t(sku, quantity)
              WHERE s.sku = t.sku AND s.available >= t.quantity;
            GET DIAGNOSTICS v_updated = ROW_COUNT;
            IF v_updated <> cardinality(p_skus) THEN
              RAISE EXCEPTION 'not enough stock' USING ERRCODE = 'MS002';
            END IF;
            RETURN QUERY SELECT v_row.id, v_row.order_id, v_row.status, v_row.expires_at, p_skus, p_quantities,
                                false;
          END
          $fn$;

          CREATE FUNCTION mesh_transition_reservation(p_id text, p_target text)
          RETURNS TABLE (id text, order_id text, status text, expires_at timestamptz, skus text[],
                         quantities bigint[], changed boolean)
          LANGUAGE plpgsql AS $fn$
          #variable_conflict use_column
          DECLARE
            v_row reservations%ROWTYPE;
            v_skus text[];
            v_quantities bigint[];
          BEGIN
            IF p_target NOT IN ('released', 'committed') THEN
              RAISE EXCEPTION 'unknown reservation transition %', p_target USING ERRCODE = '22023';
            END IF;
            SELECT r.* INTO v_row FROM reservations r WHERE r.id = p_id FOR UPDATE;
            IF NOT FOUND THEN
              RAISE EXCEPTION 'reservation % not found', p_id USING ERRCODE = 'MS003';
            END IF;
            SELECT array_agg(i.sku ORDER BY i.sku), array_agg(i.quantity::bigint ORDER BY i.sku)
              INTO v_skus, v_quantities FROM reservation_items i WHERE i.reservation_id = p_id;
            -- Repeating a transition is a no-op; releasing an expired reservation is too (its stock is back).
            IF v_row.status = p_target OR (p_target = 'released' AND v_row.status = 'expired') THEN
              RETURN QUERY SELECT v_row.id, v_row.order_id, v_row.status, v_row.expires_at, v_skus, v_quantities,
                                  false;
              RETURN;
            END IF;
            IF v_row.status <> 'reserved' THEN
              RAISE EXCEPTION 'reservation % is %', p_id, v_row.status
                USING ERRCODE = 'MS004', DETAIL = v_row.status;
            END IF;
            UPDATE reservations r SET status = p_target, updated_at = now() WHERE r.id = p_id;
            IF cardinality(v_skus) > 1 THEN
              PERFORM 1 FROM stock s WHERE s.sku = ANY(v_skus) ORDER BY s.sku FOR NO KEY UPDATE;
            END IF;
            IF p_target = 'released' THEN
              UPDATE stock s SET available = s.available + t.quantity, reserved = s.reserved - t.quantity,
                                 updated_at = now()
                FROM unnest(v_skus, v_quantities) AS t(sku, quantity) WHERE s.sku = t.sku;
            ELSE
              UPDATE stock s SET reserved = s.reserved - t.quantity, sold = s.sold + t.quantity, updated_at = now()
                FROM unnest(v_skus, v_quantities) AS t(sku, quantity) WHERE s.sku = t.sku;
            END IF;
            RETURN QUERY SELECT v_row.id, v_row.order_id, p_target, v_row.expires_at, v_skus, v_quantities, true;
          END
          $fn$`,
  },
  {
    // The catalogue prices each SKU in one currency (lowercase ISO 4217), so the order agent computes what an
    // order costs instead of trusting the client; existing rows were priced in US dollars.
    id: '004-stock-currency',
    sql: `ALTER TABLE stock ADD COLUMN currency text NOT NULL DEFAULT 'usd' CHECK (currency ~ '^[a-z]{3}$')`,
  },
  {
    // Reserve and price in one statement: the prices come from the stock rows the reservation just locked, so
    // what the order is charged and the stock it holds are one snapshot, and the order agent needs no quote
    // call. A replay of a held reservation extends it to the TTL asked (a retry of an order whose first run
    // died before storing it must not have its stock expire under it). `p_renew` takes the stock again for an
    // order whose reservation was released or expired (an order refused before it was stored, or abandoned
    // past its TTL, then sent again); without it a replay only answers the reservation the order has.
    // mesh_reserve_stock stays for database agents of earlier versions.
    id: '005-reserve-with-prices',
    sql: `CREATE FUNCTION mesh_reserve_stock_priced(p_id text, p_order_id text, p_skus text[],
                                                    p_quantities bigint[], p_ttl_seconds double precision,
                                                    p_renew boolean)
          RETURNS TABLE (id text, order_id text, status text, expires_at timestamptz, skus text[],
                         quantities bigint[], replayed boolean, prices numeric[], currencies text[])
          LANGUAGE plpgsql AS $fn$
          #variable_conflict use_column
          DECLARE
            v_row reservations%ROWTYPE;
            v_updated integer;
            v_replayed boolean := false;
          BEGIN
            INSERT INTO reservations AS r (id, order_id, status, expires_at)
            VALUES (p_id, p_order_id, 'reserved', now() + make_interval(secs => p_ttl_seconds))
            ON CONFLICT DO NOTHING
            RETURNING r.* INTO v_row;
            IF NOT FOUND THEN
              SELECT r.* INTO v_row FROM reservations r WHERE r.order_id = p_order_id FOR UPDATE;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'reservation id % is already used by another order', p_id USING ERRCODE = 'MS001';
              END IF;
              IF p_renew AND v_row.status IN ('released', 'expired') THEN
                -- The order's stock went back: hold it again, for the items asked now, under the same id.
                UPDATE reservations r SET status = 'reserved', updated_at = now(),
                                          expires_at = now() + make_interval(secs => p_ttl_seconds)
                  WHERE r.id = v_row.id RETURNING r.* INTO v_row;
                DELETE FROM reservation_items i WHERE i.reservation_id = v_row.id;
              ELSE
                v_replayed := true;
                IF v_row.status = 'reserved' THEN
                  -- A retry of the order gets the full TTL again, so it does not expire under the retry.
                  UPDATE reservations r SET expires_at = greatest(r.expires_at,
                                                                  now() + make_interval(secs => p_ttl_seconds))
                    WHERE r.id = v_row.id RETURNING r.* INTO v_row;
                END IF;
              END IF;
            END IF;
            IF NOT v_replayed THEN
              INSERT INTO reservation_items (reservation_id, sku, quantity)
                SELECT v_row.id, t.sku, t.quantity FROM unnest(p_skus, p_quantities) AS t(sku, quantity);
              IF cardinality(p_skus) > 1 THEN
                PERFORM 1 FROM stock s WHERE s.sku = ANY(p_skus) ORDER BY s.sku FOR NO KEY UPDATE;
              END IF;
              UPDATE stock s SET available = s.available - t.quantity, reserved = s.reserved + t.quantity,
                                 updated_at = now()
                FROM unnest(p_skus, p_quantities) AS t(sku, quantity)
                WHERE s.sku = t.sku AND s.available >= t.quantity;
              GET DIAGNOSTICS v_updated = ROW_COUNT;
              IF v_updated <> cardinality(p_skus) THEN
                RAISE EXCEPTION 'not enough stock' USING ERRCODE = 'MS002';
              END IF;
            END IF;
            -- A replay prices the items the reservation holds, at today's prices.
            RETURN QUERY SELECT v_row.id, v_row.order_id, v_row.status, v_row.expires_at,
                array_agg(i.sku ORDER BY i.sku), array_agg(i.quantity::bigint ORDER BY i.sku), v_replayed,
                array_agg(s.price ORDER BY i.sku), array_agg(s.currency ORDER BY i.sku)
              FROM reservation_items i JOIN stock s ON s.sku = i.sku WHERE i.reservation_id = v_row.id;
          END
          $fn$`,
  },
  {
    // The order agent's coalesced commits in one round trip, as a single commit is (the same locks in the same
    // order: reservations by id, then stock rows by SKU). One row per id found: its status after the call and
    // the SKUs this call committed (empty when it was already committed, released or expired).
    id: '006-commit-many-function',
    sql: `CREATE FUNCTION mesh_commit_reservations(p_ids text[])
          RETURNS TABLE (id text, status text, committed_skus text[])
          LANGUAGE plpgsql AS $fn$
          #variable_conflict use_column
          DECLARE
            v_row record;
            v_due text[] := '{}';
          BEGIN
            FOR v_row IN SELECT r.id, r.status FROM reservations r WHERE r.id = ANY(p_ids) ORDER BY r.id FOR UPDATE
            LOOP
              IF v_row.status = 'reserved' THEN
                v_due := v_due || v_row.id;
              END IF;
            END LOOP;
            IF cardinality(v_due) > 0 THEN
              UPDATE reservations r SET status = 'committed', updated_at = now() WHERE r.id = ANY(v_due);
              PERFORM 1 FROM stock s
                WHERE s.sku IN (SELECT i.sku FROM reservation_items i WHERE i.reservation_id = ANY(v_due))
                ORDER BY s.sku FOR NO KEY UPDATE;
              UPDATE stock s SET reserved = s.reserved - t.quantity, sold = s.sold + t.quantity, updated_at = now()
                FROM (SELECT i.sku, sum(i.quantity)::bigint AS quantity FROM reservation_items i
                      WHERE i.reservation_id = ANY(v_due) GROUP BY i.sku) AS t
                WHERE s.sku = t.sku;
            END IF;
            RETURN QUERY SELECT r.id, r.status,
                CASE WHEN r.id = ANY(v_due)
                  THEN (SELECT array_agg(i.sku ORDER BY i.sku) FROM reservation_items i WHERE i.reservation_id = r.id)
                  ELSE '{}'::text[] END
              FROM reservations r WHERE r.id = ANY(p_ids);
          END
          $fn$`,
  },
  {
    // PostgreSQL plans a PL/pgSQL statement anew on every call (a custom plan for the values at hand) until
    // its generic plan looks no dearer, and with `= ANY(array)` it never did: every commit planned its five
    // statements again, two fifths of the database's time in a commit. Generic plans here are index scans
    // on the ids whatever the array holds (reservation_items' and reservations' primary keys), planned once
    // per session.
    id: '007-reservation-functions-plan-once',
    sql: `ALTER FUNCTION mesh_commit_reservations(text[]) SET plan_cache_mode = force_generic_plan;
          ALTER FUNCTION mesh_transition_reservation(text, text) SET plan_cache_mode = force_generic_plan`,
  },
  {
    // The reservation too: which plan the server prefers there depends on its statistics, and on a new local
    // system it planned the stock update on every call (3,601 plans in 3,601 calls), a fifth of the backend's
    // time in a reservation. Every statement there finds its rows by key (order id, reservation id, SKUs).
    id: '008-reserve-function-plans-once',
    sql: `ALTER FUNCTION mesh_reserve_stock_priced(text, text, text[], bigint[], double precision, boolean)
            SET plan_cache_mode = force_generic_plan`,
  },
  {
    // Many orders' reservations in one transaction (the inventory agent's concurrent reserves): one commit
    // and one round trip for the batch instead of one each. Each order is all-or-nothing on its own: one short
    // of stock takes nothing and fails alone, answered by a `failure` code (MS001, MS002, as the single
    // function raises) instead of aborting the batch. Reservation rows are locked before stock rows, as every
    // reservation function does: the batch's new rows first, in the order given (the caller sorts by order
    // id), then the rows its orders already had, by id (as mesh_commit_reservations), then every SKU of the
    // batch by SKU. A batch that locked the held rows before inserting deadlocked with another batch that
    // met an order stored meanwhile (reservation-batch.test.ts). With the stock rows locked,
    // whether an order fits is read exactly before anything is written for it. Items come flattened:
    // p_item_counts(i) of p_skus and p_quantities belong to order i, each order's SKUs distinct.
    id: '009-reserve-many-function',
    sql: `CREATE FUNCTION mesh_reserve_stock_many(p_ids text[], p_order_ids text[], p_item_counts integer[],
                                                  p_skus text[], p_quantities bigint[],
                                                  p_ttl_seconds double precision[], p_renew boolean[])
          RETURNS TABLE (id text, order_id text, status text, expires_at timestamptz, skus text[],
                         quantities bigint[], replayed boolean, prices numeric[], currencies text[],
                         failure text)
          LANGUAGE plpgsql AS $fn$
          #variable_conflict use_column
          DECLARE
            v_count integer := cardinality(p_order_ids);
            v_inserted boolean[] := array_fill(false, ARRAY[cardinality(p_order_ids)]);
            v_row reservations%ROWTYPE;
            v_skus text[];
            v_quantities bigint[];
            v_first integer := 1;
            v_fits integer;
            v_take boolean;
          BEGIN
            -- New rows first, in the order given: a batch waits here only on another's insert of the same
            -- order, while it holds nothing but its own new rows.
            FOR v_i IN 1 .. v_count LOOP
              INSERT INTO reservations AS r (id, order_id, status, expires_at)
                VALUES (p_ids[v_i], p_order_ids[v_i], 'reserved',
                        now() + make_interval(secs => p_ttl_seconds[v_i]))
                ON CONFLICT DO NOTHING;
              v_inserted[v_i] := FOUND;
            END LOOP;
            -- Then the rows its orders already had, by id, as mesh_commit_reservations locks them.
            PERFORM 1 FROM reservations r WHERE r.order_id = ANY(p_order_ids) ORDER BY r.id FOR UPDATE;
            PERFORM 1 FROM stock s WHERE s.sku = ANY(p_skus) ORDER BY s.sku FOR NO KEY UPDATE;
            FOR v_i IN 1 .. v_count LOOP
              v_skus := p_skus[v_first : v_first + p_item_counts[v_i] - 1];
              v_quantities := p_quantities[v_first : v_first + p_item_counts[v_i] - 1];
              v_first := v_first + p_item_counts[v_i];
              IF v_inserted[v_i] THEN
                SELECT r.* INTO v_row FROM reservations r WHERE r.id = p_ids[v_i];
                v_take := true;
              ELSE
                SELECT r.* INTO v_row FROM reservations r WHERE r.order_id = p_order_ids[v_i];
                IF NOT FOUND THEN
                  -- The id is another order's, or this order came earlier in the batch and did not fit.
                  RETURN QUERY SELECT NULL::text, p_order_ids[v_i], NULL::text, NULL::timestamptz, NULL::text[],
                      NULL::bigint[], false, NULL::numeric[], NULL::text[],
                      CASE WHEN EXISTS (SELECT 1 FROM reservations r WHERE r.id = p_ids[v_i])
                        THEN 'MS001' ELSE 'MS002' END;
                  CONTINUE;
                END IF;
                v_take := p_renew[v_i] AND v_row.status IN ('released', 'expired');
              END IF;
              IF v_take THEN
                SELECT count(*) INTO v_fits FROM unnest(v_skus, v_quantities) AS t(sku, quantity)
                  JOIN stock s ON s.sku = t.sku WHERE s.available >= t.quantity;
                IF v_fits <> cardinality(v_skus) THEN
                  IF v_inserted[v_i] THEN
                    DELETE FROM reservations r WHERE r.id = p_ids[v_i];
                  END IF;
                  RETURN QUERY SELECT NULL::text, p_order_ids[v_i], NULL::text, NULL::timestamptz, NULL::text[],
                      NULL::bigint[], false, NULL::numeric[], NULL::text[], 'MS002'::text;
                  CONTINUE;
                END IF;
                IF NOT v_inserted[v_i] THEN
                  -- Renewed: the order's stock went back; hold it again, for the items asked now, under the same id.
                  UPDATE reservations r SET status = 'reserved', updated_at = now(),
                                            expires_at = now() + make_interval(secs => p_ttl_seconds[v_i])
                    WHERE r.id = v_row.id RETURNING r.* INTO v_row;
                  DELETE FROM reservation_items i WHERE i.reservation_id = v_row.id;
                END IF;
                INSERT INTO reservation_items (reservation_id, sku, quantity)
                  SELECT v_row.id, t.sku, t.quantity FROM unnest(v_skus, v_quantities) AS t(sku, quantity);
                UPDATE stock s SET available = s.available - t.quantity, reserved = s.reserved + t.quantity,
                                   updated_at = now()
                  FROM unnest(v_skus, v_quantities) AS t(sku, quantity) WHERE s.sku = t.sku;
              ELSIF v_row.status = 'reserved' THEN
                -- A retry of the order gets the full TTL again, so it does not expire under the retry.
                UPDATE reservations r SET expires_at = greatest(r.expires_at,
                                                                now() + make_interval(secs => p_ttl_seconds[v_i]))
                  WHERE r.id = v_row.id RETURNING r.* INTO v_row;
              END IF;
              RETURN QUERY SELECT v_row.id, v_row.order_id, v_row.status, v_row.expires_at,
                  array_agg(i.sku ORDER BY i.sku), array_agg(i.quantity::bigint ORDER BY i.sku), NOT v_take,
                  array_agg(s.price ORDER BY i.sku), array_agg(s.currency ORDER BY i.sku), NULL::text
                FROM reservation_items i JOIN stock s ON s.sku = i.sku WHERE i.reservation_id = v_row.id;
            END LOOP;
          END
          $fn$;
          ALTER FUNCTION mesh_reserve_stock_many(text[], text[], integer[], text[], bigint[], double precision[],
                                                 boolean[])
            SET plan_cache_mode = force_generic_plan`,
  },
  {
    // The batch as 009 takes it, with the orders' writes gathered: 009 ran seven statements per order while
    // it held the batch's stock rows (the check, the stock update, the items' insert, the answer's read...),
    // and with every order of the load test on one SKU, each batch kept that one row from the others for
    // milliseconds. The stock rows are now read as they are locked, whether each order fits is decided on
    // those figures in memory (an order's SKUs are distinct, so each line is checked against what the orders
    // before it left), and the items of every order taken go in one insert, the stock in one update, the
    // answers in one read. The locks are taken as 009 takes them (new rows in the order given, the rows the
    // orders had by id, SKUs by SKU); a refused order's new row is still deleted at once, so an order sent twice
    // is refused twice alike. The new rows are inserted by one statement, in the order given.
    id: '010-reserve-many-gathered',
    sql: `CREATE OR REPLACE FUNCTION mesh_reserve_stock_many(p_ids text[], p_order_ids text[],
                                                             p_item_counts integer[], p_skus text[],
                                                             p_quantities bigint[],
                                                             p_ttl_seconds double precision[], p_renew boolean[])
          RETURNS TABLE (id text, order_id text, status text, expires_at timestamptz, skus text[],
                         quantities bigint[], replayed boolean, prices numeric[], currencies text[],
                         failure text)
          LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$
          #variable_conflict use_column
          DECLARE
            v_count integer := cardinality(p_order_ids);
            v_inserted text[];
            v_new boolean;
            v_row reservations%ROWTYPE;
            v_stock_skus text[];
            v_available bigint[];
            v_first integer := 1;
            v_last integer;
            v_at integer;
            v_fits boolean;
            -- Per order, what the answer reads at the end: its reservation id, or the failure.
            v_ids text[] := array_fill(NULL::text, ARRAY[v_count]);
            v_failures text[] := array_fill(NULL::text, ARRAY[v_count]);
            v_replayed boolean[] := array_fill(false, ARRAY[v_count]);
            -- The lines of every order taken, written together after the loop.
            v_line_ids text[] := '{}';
            v_line_skus text[] := '{}';
            v_line_quantities bigint[] := '{}';
          BEGIN
            WITH inserted AS (
              INSERT INTO reservations AS r (id, order_id, status, expires_at)
                SELECT t.id, t.order_id, 'reserved', now() + make_interval(secs => t.ttl)
                  FROM unnest(p_ids, p_order_ids, p_ttl_seconds) WITH ORDINALITY AS t(id, order_id, ttl, n)
                  ORDER BY t.n
                ON CONFLICT DO NOTHING
                RETURNING r.id)
            SELECT coalesce(array_agg(inserted.id), '{}') INTO v_inserted FROM inserted;
            PERFORM 1 FROM reservations r WHERE r.order_id = ANY(p_order_ids) ORDER BY r.id FOR UPDATE;
            SELECT coalesce(array_agg(s.sku), '{}'), coalesce(array_agg(s.available), '{}')
              INTO v_stock_skus, v_available
              FROM (SELECT s.sku, s.available FROM stock s WHERE s.sku = ANY(p_skus)
                    ORDER BY s.sku FOR NO KEY UPDATE) s;
            FOR v_i IN 1 .. v_count LOOP
              v_last := v_first + p_item_counts[v_i] - 1;
              -- An id sent twice was inserted for its first entry only.
              v_new := p_ids[v_i] = ANY(v_inserted) AND array_position(p_ids, p_ids[v_i]) = v_i;
              IF NOT v_new THEN
                SELECT r.* INTO v_row FROM reservations r WHERE r.order_id = p_order_ids[v_i];
                IF NOT FOUND THEN
                  -- The id is another order's, or this order came earlier in the batch and did not fit.
                  v_failures[v_i] := CASE WHEN EXISTS (SELECT 1 FROM reservations r WHERE r.id = p_ids[v_i])
                                       THEN 'MS001' ELSE 'MS002' END;
                  v_first := v_last + 1;
                  CONTINUE;
                END IF;
              END IF;
              IF v_new OR (p_renew[v_i] AND v_row.status IN ('released', 'expired')) THEN
                v_fits := true;
                FOR v_j IN v_first .. v_last LOOP
                  v_at := array_position(v_stock_skus, p_skus[v_j]);
                  v_fits := v_at IS NOT NULL AND v_available[v_at] >= p_quantities[v_j];
                  EXIT WHEN NOT v_fits;
                END LOOP;
                IF NOT v_fits THEN
                  IF v_new THEN
                    DELETE FROM reservations r WHERE r.id = p_ids[v_i];
                  END IF;
                  v_failures[v_i] := 'MS002';
                  v_first := v_last + 1;
                  CONTINUE;
                END IF;
                FOR v_j IN v_first .. v_last LOOP
                  v_at := array_position(v_stock_skus, p_skus[v_j]);
                  v_available[v_at] := v_available[v_at] - p_quantities[v_j];
                END LOOP;
                IF v_new THEN
                  v_ids[v_i] := p_ids[v_i];
                ELSE
                  -- Renewed: the order's stock went back; hold it again, for the items asked now, under
                  -- the same id.
                  UPDATE reservations r SET status = 'reserved', updated_at = now(),
                                            expires_at = now() + make_interval(secs => p_ttl_seconds[v_i])
                    WHERE r.id = v_row.id;
                  DELETE FROM reservation_items i WHERE i.reservation_id = v_row.id;
                  v_ids[v_i] := v_row.id;
                END IF;
                v_line_ids := v_line_ids || array_fill(v_ids[v_i], ARRAY[p_item_counts[v_i]]);
                v_line_skus := v_line_skus || p_skus[v_first : v_last];
                v_line_quantities := v_line_quantities || p_quantities[v_first : v_last];
              ELSE
                v_ids[v_i] := v_row.id;
                v_replayed[v_i] := true;
                IF v_row.status = 'reserved' THEN
                  -- A retry of the order gets the full TTL again, so it does not expire under the retry.
                  UPDATE reservations r
                    SET expires_at = greatest(r.expires_at, now() + make_interval(secs => p_ttl_seconds[v_i]))
                    WHERE r.id = v_row.id;
                END IF;
              END IF;
              v_first := v_last + 1;
            END LOOP;
            IF cardinality(v_line_ids) > 0 THEN
              INSERT INTO reservation_items (reservation_id, sku, quantity)
                SELECT t.id, t.sku, t.quantity
                  FROM unnest(v_line_ids, v_line_skus, v_line_quantities) AS t(id, sku, quantity);
              UPDATE stock s SET available = s.available - t.quantity, reserved = s.reserved + t.quantity,
                                 updated_at = now()
                FROM (SELECT u.sku, sum(u.quantity)::bigint AS quantity
                        FROM unnest(v_line_skus, v_line_quantities) AS u(sku, quantity) GROUP BY u.sku) t
                WHERE s.sku = t.sku;
            END IF;
            -- A replay prices the items the reservation holds, at today's prices.
            RETURN QUERY SELECT r.id, a.order_id, r.status, r.expires_at, l.skus, l.quantities, a.replayed,
                l.prices, l.currencies, a.failure
              FROM unnest(v_ids, p_order_ids, v_replayed, v_failures) WITH ORDINALITY
                     AS a(id, order_id, replayed, failure, n)
              LEFT JOIN reservations r ON r.id = a.id
              LEFT JOIN LATERAL (
                SELECT array_agg(i.sku ORDER BY i.sku) AS skus,
                       array_agg(i.quantity::bigint ORDER BY i.sku) AS quantities,
                       array_agg(s.price ORDER BY i.sku) AS prices,
                       array_agg(s.currency ORDER BY i.sku) AS currencies
                  FROM reservation_items i JOIN stock s ON s.sku = i.sku WHERE i.reservation_id = a.id) l ON true
              ORDER BY a.n;
          END
          $fn$`,
  },
];
