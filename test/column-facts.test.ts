import type { EntitySchema } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnLimits, columnName } from '../entities/column-facts.ts';
import { ENTITIES } from '../entities/index.ts';
import { ormOptions } from '../src/db/orm.ts';

/*
 * column-facts derives column names and lengths from the entity definitions before the ORM has
 * discovered them; this checks the derivation against what the ORM itself discovers.
 */

let orm: MikroORM;
beforeAll(async () => {
  orm = await MikroORM.init(ormOptions('postgres://postgres@127.0.0.1:5432/postgres'));
});
afterAll(() => orm.close());

describe('column facts', () => {
  for (const schema of ENTITIES as EntitySchema<any, any, any>[]) {
    it(`${schema.meta.className}: names and lengths match the discovered metadata`, () => {
      const discovered = orm.getMetadata().get(schema.meta.className as never);
      const limits = columnLimits(schema) as Record<string, number>;
      let checked = 0;
      for (const [name, prop] of Object.entries(discovered.properties)) {
        if (prop.persist === false || !prop.fieldNames?.length || prop.kind === 'm:n' || prop.kind === '1:m') continue;
        expect(columnName(schema, name as never), name).toBe(prop.fieldNames[0]);
        if (prop.columnTypes?.[0]?.startsWith('varchar(')) expect(limits[name], name).toBe(prop.length);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
