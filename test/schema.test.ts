import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import settings from '../src/knowledge/settings.json';
import {
  boundedDistance,
  canonicalKey,
  coerceValue,
  editDistance,
  iamPolicy,
  isSecretKey,
  listSettings,
  lookupSetting,
  suggestKeys,
  type Setting,
} from '../src/knowledge/schema';
import { ScalrConfError } from '../src/values/errors';
import { binOf, toCanonical, type RubyValue } from '../src/values/value';

const TYPES = ['string', 'integer', 'float', 'boolean', 'enum', 'array', 'hash'];

function must(key: string): Setting {
  const s = lookupSetting(key);
  if (!s) throw new Error(`no setting ${key}`);
  return s;
}

function refusal(fn: () => unknown): ScalrConfError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScalrConfError);
    expect((e as ScalrConfError).code).toBe('usage');
    return e as ScalrConfError;
  }
  throw new Error('expected a refusal');
}

const canon = (v: RubyValue) => toCanonical(v);

describe('settings.json', () => {
  const all = listSettings();

  it('has both sections and a good number of entries', () => {
    expect(Object.keys(settings.configuration).length).toBeGreaterThan(100);
    expect(Object.keys(settings.groups).length).toBeGreaterThan(30);
    expect(all.length).toBe(Object.keys(settings.configuration).length + Object.keys(settings.groups).length);
  });

  it('gives every entry a known type and a one-line description', () => {
    for (const s of all) {
      expect(TYPES, s.key).toContain(s.type);
      expect(s.description.length, s.key).toBeGreaterThan(5);
      expect(s.description, s.key).not.toMatch(/\n/);
    }
  });

  it('gives every enum its values, one-line meanings, and a default among them', () => {
    for (const s of all.filter((x) => x.type === 'enum')) {
      expect(Object.keys(s.values ?? {}).length, s.key).toBeGreaterThan(1);
      for (const meaning of Object.values(s.values ?? {})) expect(meaning, s.key).not.toMatch(/\n/);
      if (s.default !== undefined) expect(Object.keys(s.values ?? {}), s.key).toContain(s.default);
    }
    for (const s of all.filter((x) => x.type !== 'enum')) expect(s.values, s.key).toBeUndefined();
  });

  it('keeps defaults of the declared type', () => {
    for (const s of all.filter((x) => x.default !== undefined)) {
      const d = s.default;
      const ok = {
        string: typeof d === 'string',
        enum: typeof d === 'string',
        integer: Number.isInteger(d),
        float: typeof d === 'number',
        boolean: typeof d === 'boolean',
        array: Array.isArray(d),
        hash: typeof d === 'object' && d !== null && !Array.isArray(d),
      }[s.type];
      expect(ok, `${s.key} default ${JSON.stringify(d)}`).toBe(true);
    }
  });

  it("names, for the docs' per-cloud spellings, keys the schema knows", () => {
    const spelled = all.filter((x) => x.platformKey !== undefined);
    expect(spelled.map((x) => [x.key, x.platformKey])).toEqual([['aws.instances_connection_policy', 'ec2.instances_connection_policy']]);
    for (const s of spelled) expect(lookupSetting(s.platformKey as string), s.key).toBeDefined();
  });

  it('feeds only configuration keys the schema knows', () => {
    for (const s of all.filter((x) => x.feeds !== undefined)) {
      expect(s.key, s.key).toMatch(/\[/);
      expect(lookupSetting(s.feeds as string), `${s.key} feeds ${s.feeds}`).toBeDefined();
    }
    expect(must('app[:instances_connection_policy]').feeds).toBe('instances_connection_policy');
    expect(must('app[:email_from_address]').feeds).toBe('email.address');
    expect(must('app[:ip_ranges]').feeds).toBe('aws.ip_pool');
  });

  it('stores keys in display form', () => {
    for (const s of all) expect(canonicalKey(s.key), s.key).toBe(s.key);
    for (const k of Object.keys(settings.configuration)) expect(k.startsWith('scalr.'), k).toBe(false);
  });

  it('knows the connection policy globally and per cloud', () => {
    const global = must('instances_connection_policy');
    expect(global.type).toBe('enum');
    expect(Object.keys(global.values ?? {})).toEqual(['public', 'local', 'auto']);
    expect(global.default).toBe('auto');
    for (const cloud of ['aws', 'ec2', 'gce', 'openstack', 'cloudstack', 'azure', 'ecs', 'ocs', 'nebula', 'mirantis', 'vio', 'verizon', 'cisco', 'hpcloud', 'rackspacenguk', 'rackspacengus']) {
      const s = must(`${cloud}.instances_connection_policy`);
      expect(s.type, cloud).toBe('enum');
      expect(s.values, cloud).toEqual(global.values);
    }
  });

  it('covers the settings admins reach for', () => {
    for (const key of [
      'system.instances_connection_timeout',
      'system.server_terminate_timeout',
      'system.scripting.logs_storage',
      'system.scripting.default_instance_log_rotation_period',
      'system.scripting.default_abort_init_on_script_fail',
      'aws.security_group_name',
      'aws.ip_pool',
      'aws.use_proxy',
      'auth_mode',
      'connections.ldap.host',
      'connections.ldap.base_dn',
      'connections.ldap.bind_type',
      'connections.mysql.host',
      'connections.proxy.port',
      'email.address',
      'endpoint.host',
      'ui.mindterm_enabled',
      'billing.enabled',
      'dns.static.enabled',
      'scalarizr_update.default_repo',
      'crontab.heartbeat.delay',
      'proxy[:ssl_enable]',
      'routing[:endpoint_host]',
      'mysql[:bind_port]',
      'web[:app_bind_port]',
      'enable_all',
    ]) {
      expect(lookupSetting(key), key).toBeDefined();
    }
    expect(must('system.instances_connection_timeout')).toMatchObject({ type: 'integer', default: 4 });
    expect(must('auth_mode').values).toHaveProperty('ldap');
    expect(must('proxy[:ssl_enable]')).toMatchObject({ type: 'boolean', default: false });
    expect(must('mysql[:bind_port]')).toMatchObject({ type: 'integer', default: 6280 });
  });
});

describe("the values Scalr documents", () => {
  // Each from Scalr's docs (vijaybirru/documentation install_guide/csv/*.csv) or its PHP sources.
  it('lists every documented value of the enums', () => {
    expect(Object.keys(must('auth_mode').values!).sort()).toEqual(['ldap', 'saml', 'scalr']);
    expect(Object.keys(must('connections.ldap.bind_type').values!).sort()).toEqual(['openldap', 'regular', 'simple']);
    expect(Object.keys(must('connections.proxy.use_on').values!).sort()).toEqual(['both', 'instance', 'scalr']);
    expect(Object.keys(must('system.scripting.logs_storage').values!).sort()).toEqual(['instance', 'scalr']);
    expect(Object.keys(must('scalarizr_update.mode').values!).sort()).toEqual(['client', 'solo']);
    expect(Object.keys(must('ec2.action_on_missing_server').values!).sort()).toEqual(['flag', 'ignore', 'terminate']);
    expect(Object.keys(must('gce.action_on_failed_server').values!).sort()).toEqual(['alert', 'ignore', 'terminate']);
    expect(coerceValue(must('auth_mode'), 'saml')).toEqual({ kind: 'string', bin: 'saml' });
  });

  it('knows the documented SAML, API, agent-update and license settings with their types', () => {
    expect(must('connections.saml.strict')).toMatchObject({ type: 'boolean', default: true });
    expect(must('connections.saml.idp.entity_id').type).toBe('string');
    expect(isSecretKey('connections.saml.sp.private_key')).toBe(true);
    expect(must('system.api.disable_v1')).toMatchObject({ type: 'boolean', default: false });
    expect(must('scalarizr_update.service.update_rate')).toMatchObject({ type: 'integer', default: 900 });
    expect(must('license_manager.ssl_verify')).toMatchObject({ type: 'boolean', default: true });
  });

  it('knows every attribute of the cookbook, so their values keep their type', () => {
    for (const key of ['csg[:bind_port]', 'repos[:bind_port]', 'rabbitmq[:bind_port]', 'influxdb[:http_bind_port]', 'app[:session_soft_timeout]', 'logrotate[:keep_days]']) {
      expect(must(key).type, key).toBe('integer');
    }
    expect(coerceValue(must('csg[:bind_port]'), '3129')).toEqual({ kind: 'integer', value: 3129n });
    expect(must('app[:session_cookie_timeout]').default).toBe(0);
    expect(isSecretKey('rabbitmq[:scalr_password]')).toBe(true);
  });
});

describe('lookupSetting', () => {
  it('finds configuration keys, with or without scalr.', () => {
    expect(must('aws.instances_connection_policy').key).toBe('aws.instances_connection_policy');
    expect(must('scalr.aws.ip_pool').key).toBe('aws.ip_pool');
    expect(must('app[:configuration][:scalr][:aws][:ip_pool]').key).toBe('aws.ip_pool');
    // One key with a dot in its name is not the nested setting it looks like.
    expect(lookupSetting('app[:configuration]["scalr"]["aws.instances_connection_policy"]')).toBeUndefined();
    expect(canonicalKey('app[:configuration]["scalr"]["aws.ip_pool"]')).toBe('app[:configuration][:scalr]["aws.ip_pool"]');
  });

  it('normalizes group keys', () => {
    expect(canonicalKey('proxy["ssl_enable"]')).toBe('proxy[:ssl_enable]');
    expect(canonicalKey('proxy[:"ssl_enable"]')).toBe('proxy[:ssl_enable]');
    expect(canonicalKey("proxy['ssl_enable']")).toBe('proxy[:ssl_enable]');
    expect(canonicalKey('proxy[ :ssl_enable ]')).toBe('proxy[:ssl_enable]');
    expect(canonicalKey('app["a b"]')).toBe('app["a b"]');
    for (const k of ['proxy[:ssl_enable]', 'proxy["ssl_enable"]', 'proxy[:"ssl_enable"]']) expect(must(k).key).toBe('proxy[:ssl_enable]');
  });

  it('matches families by wildcard, preferring exact keys', () => {
    expect(must('crontab.services.scaling.enabled').key).toBe('crontab.services.*.enabled');
    expect(must('crontab.services.rotate.workers').key).toBe('crontab.services.*.workers');
    expect(must('crontab.services.rotate.delete.limit').key).toBe('crontab.services.rotate.delete.limit');
    expect(lookupSetting('crontab.services.scaling')).toBeUndefined();
  });

  it('knows nothing of unknown or malformed keys', () => {
    expect(lookupSetting('no.such.setting')).toBeUndefined();
    expect(lookupSetting('proxy[:nope]')).toBeUndefined();
    expect(lookupSetting('')).toBeUndefined();
    expect(lookupSetting('a..b')).toBeUndefined();
    expect(lookupSetting('proxy[ssl_enable')).toBeUndefined();
  });
});

describe('listSettings', () => {
  it('lists by prefix, sorted by key', () => {
    const ldap = listSettings('connections.ldap.');
    expect(ldap.length).toBeGreaterThan(10);
    expect(ldap.every((s) => s.key.startsWith('connections.ldap.'))).toBe(true);
    const keys = listSettings().map((s) => s.key);
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(listSettings('proxy[').map((s) => s.key)).toContain('proxy[:ssl_enable]');
    expect(listSettings('nothing-here')).toEqual([]);
  });
});

describe('coerceValue', () => {
  it('reads integers', () => {
    const s = must('system.instances_connection_timeout');
    expect(coerceValue(s, '15')).toEqual({ kind: 'integer', value: 15n });
    expect(coerceValue(s, ' -3 ')).toEqual({ kind: 'integer', value: -3n });
    expect(coerceValue(s, '123456789012345678901')).toEqual({ kind: 'integer', value: 123456789012345678901n });
    for (const bad of ['abc', '1.5', '', '0x10', '1e3']) refusal(() => coerceValue(s, bad));
    expect(refusal(() => coerceValue(s, 'abc')).message).toMatch(/abc is not an integer/);
  });

  it('reads floats', () => {
    const s: Setting = { key: 'x.ratio', type: 'float', description: 'a ratio' };
    expect(coerceValue(s, '1.5')).toEqual({ kind: 'float', value: 1.5 });
    expect(coerceValue(s, '2')).toEqual({ kind: 'float', value: 2 });
    expect(coerceValue(s, '-.5e1')).toEqual({ kind: 'float', value: -5 });
    for (const bad of ['abc', 'NaN', 'Infinity', '1e999', '']) refusal(() => coerceValue(s, bad));
  });

  it('reads booleans in their usual spellings', () => {
    const s = must('proxy[:ssl_enable]');
    for (const t of ['true', 'TRUE', 'yes', 'On', '1']) expect(coerceValue(s, t)).toEqual({ kind: 'boolean', value: true });
    for (const f of ['false', 'No', 'off', '0']) expect(coerceValue(s, f)).toEqual({ kind: 'boolean', value: false });
    for (const bad of ['maybe', '2', '', 'y']) refusal(() => coerceValue(s, bad));
  });

  it('takes exact enum values and explains refusals on one line', () => {
    const s = must('aws.instances_connection_policy');
    expect(canon(coerceValue(s, 'local'))).toBe('local');
    expect(coerceValue(s, 'auto')).toEqual({ kind: 'string', bin: 'auto' });
    const e = refusal(() => coerceValue(s, 'lcoal'));
    expect(e.message).toMatch(/^lcoal is not one of: public \(.+\), local \(.+\), auto \(.+\)$/);
    expect(e.message).not.toMatch(/\n/);
    expect(e.message).toContain('VPC');
    refusal(() => coerceValue(s, 'Local'));
    refusal(() => coerceValue(s, 'toString'));
  });

  it('reads arrays as JSON or as a comma list', () => {
    const s = must('aws.ip_pool');
    expect(canon(coerceValue(s, '10.0.0.0/8, 192.168.0.0/16'))).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
    expect(canon(coerceValue(s, 'a,b,c'))).toEqual(['a', 'b', 'c']);
    expect(canon(coerceValue(s, 'one'))).toEqual(['one']);
    expect(canon(coerceValue(s, '["x", 1, 2.5, true, null]'))).toEqual(['x', 1, { $float: 2.5 }, true, null]);
    expect(canon(coerceValue(s, '[]'))).toEqual([]);
    expect(canon(coerceValue(s, ''))).toEqual([]);
    refusal(() => coerceValue(s, 'a,,b'));
    refusal(() => coerceValue(s, '["a",'));
  });

  it('reads hashes as JSON objects', () => {
    const s = must('scalarizr_update.repos');
    const v = coerceValue(s, '{"stable": {"deb_repo_url": "http://repo/apt stable/", "n": 1.0, "big": 9007199254740993}}');
    expect(canon(v)).toEqual({ stable: { deb_repo_url: 'http://repo/apt stable/', n: { $float: 1 }, big: { $int: '9007199254740993' } } });
    expect(coerceValue(s, '{}')).toEqual({ kind: 'hash', entries: [] });
    refusal(() => coerceValue(s, 'a=b'));
    refusal(() => coerceValue(s, '[1]'));
    refusal(() => coerceValue(s, '{"a": }'));
    refusal(() => coerceValue(s, '{"a": 1} x'));
  });

  it('keeps strings as byte strings, as given', () => {
    const s = must('email.name');
    expect(coerceValue(s, ' Scalr Service ')).toEqual({ kind: 'string', bin: ' Scalr Service ' });
    expect(coerceValue(s, 'Café')).toEqual({ kind: 'string', bin: binOf('Café') });
    expect(canon(coerceValue(s, 'Café'))).toBe('Café');
    // Hash keys are byte strings too, as the file's own keys are.
    expect(coerceValue(must('scalarizr_update.repos'), '{"é": "ü"}')).toEqual({ kind: 'hash', entries: [[binOf('é'), { kind: 'string', bin: binOf('ü') }]] });
  });
});

describe('suggestKeys', () => {
  it('suggests the known key for a near miss', () => {
    expect(suggestKeys('instance_connection_policy')[0]).toBe('instances_connection_policy');
    expect(suggestKeys('aws.instance_connection_policy')[0]).toBe('aws.instances_connection_policy');
    expect(suggestKeys('aws.instances_conection_policy')[0]).toBe('aws.instances_connection_policy');
    expect(suggestKeys('aws.instances_connection_plicy')[0]).toBe('aws.instances_connection_policy');
    expect(suggestKeys('connections.ldap.hots')).toContain('connections.ldap.host');
    expect(suggestKeys('proxy[:ssl_enabled]')).toEqual(['proxy[:ssl_enable]']);
    expect(suggestKeys('proxy.ssl_enable')).toEqual(['proxy[:ssl_enable]']);
    expect(suggestKeys('crontab.servics.scaling.enabled')).toEqual(['crontab.services.scaling.enabled']);
  });

  it('compares segment by segment', () => {
    // One edit in the cloud segment is fine; a different cloud plus a typo is not.
    expect(suggestKeys('aws.instance_connection_policy')).not.toContain('ecs.instances_connection_policy');
    expect(suggestKeys('aws.ip_pol')).toEqual(['aws.ip_pool']);
  });

  it('suggests nothing for a known key or a far one', () => {
    expect(suggestKeys('aws.instances_connection_policy')).toEqual([]);
    expect(suggestKeys('proxy["ssl_enable"]')).toEqual([]);
    expect(suggestKeys('completely.unrelated.thing')).toEqual([]);
    expect(suggestKeys('zzzzzzzzzzzzzzzzzzzz')).toEqual([]);
    expect(suggestKeys('')).toEqual([]);
  });

  it('is strict with short keys', () => {
    expect(suggestKeys('ui.x')).toEqual([]);
  });

  it('measures transpositions as one edit', () => {
    expect(editDistance('policy', 'plociy')).toBe(2);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('isSecretKey', () => {
  it('masks schema secrets and credential-like names', () => {
    for (const k of [
      'connections.ldap.pass',
      'connections.mysql.pass',
      'billing.chargify_api_key',
      'azure.app_secret_key',
      'ui.recaptcha.private_key',
      'mysql[:root_password]',
      'mysql["scalr_password"]',
      'memcached[:password]',
      'app[:secret_key]',
      'some.unknown.auth_token',
      'foo.Password',
      'x.passwd',
      'x.access_key',
      'x.key_material',
      'x.secret',
      'app[:admin_password]',
    ]) {
      expect(isSecretKey(k), k).toBe(true);
    }
  });

  it('leaves ordinary keys visible', () => {
    for (const k of [
      'connections.ldap.user',
      'ui.recaptcha.public_key',
      'aws.security_group_name',
      'x.bypass',
      'x.passport',
      'x.tokens_count',
      'memcached[:username]',
      'app[:id]',
      'instances_connection_policy',
    ]) {
      expect(isSecretKey(k), k).toBe(false);
    }
  });
});

describe('iamPolicy', () => {
  it('is the minimal policy Scalr documents', () => {
    const p = iamPolicy() as { Version: string; Statement: { Effect: string; Action?: string[]; NotAction?: string; Resource: string }[] };
    expect(p.Version).toBe('2012-10-17');
    const allow = p.Statement.find((s) => s.Action);
    expect(allow).toMatchObject({ Effect: 'Allow', Resource: '*' });
    expect([...(allow?.Action ?? [])].sort()).toEqual(['iam:GetUser', 'iam:ListInstanceProfiles', 'iam:ListServerCertificates', 'iam:PassRole']);
    expect(p.Statement.find((s) => s.NotAction)).toEqual({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    expect(p.Statement).toHaveLength(2);
  });

  it('hands out a copy', () => {
    const a = iamPolicy() as { Version: string };
    a.Version = 'changed';
    expect((iamPolicy() as { Version: string }).Version).toBe('2012-10-17');
  });
});

/** The full optimal-string-alignment table, as a reference the bounded one is held to. */
function osa(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

describe('boundedDistance', () => {
  it('is the full distance wherever that is within the limit, and above the limit otherwise; editDistance is it unbounded', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_', '.'), maxLength: 9 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, limit) => {
        const d = osa(a, b);
        expect(editDistance(a, b)).toBe(d);
        const bounded = boundedDistance(a, b, limit);
        if (d <= limit) expect(bounded).toBe(d);
        else expect(bounded).toBeGreaterThan(limit);
      }),
      { numRuns: 3000 },
    );
  });
});
