/**
 * A stand-in for an installed Scalr under a temp dir: embedded/bin/ruby (a shell wrapper around the
 * system Ruby) and the cookbook's libraries/scalr_server.rb, shaped as the 7.x one is: a ScalrServer
 * module extending Mixlib::Config in strict mode, each attribute group a `default` Mash (as the
 * cookbook declares them, not config_context), from_file from Mixlib::Config, and string2boolean as a singleton method. Chef is not
 * installed here, so the library brings the little of Chef's Mash the configuration needs.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const COOKBOOK_GROUPS = ['routing', 'supervisor', 'mysql', 'memcached', 'app', 'web', 'proxy', 'cron', 'service', 'rrd', 'manifest', 'logrotate', 'repos', 'csg'];

export interface StandIn {
  /** Attribute groups the library declares (default: the cookbook's). */
  groups?: string[];
  /** Ruby run when the library is required, before the module (e.g. a raise). */
  prelude?: string;
  /** Ruby inside `class << self` of ScalrServer, after the cookbook's methods. */
  singleton?: string;
  /** Shell run by embedded/bin/ruby when it is asked to run the installed-loader script, before exec'ing ruby. */
  onLoaderRun?: string;
}

const MASH = `
class Mash < Hash
  def initialize(from = {})
    super()
    from.each_pair { |k, v| self[k] = v }
  end

  def [](key)
    super(convert_key(key))
  end

  def []=(key, value)
    super(convert_key(key), value.class == Hash ? Mash.new(value) : value)
  end

  def key?(key)
    super(convert_key(key))
  end

  def fetch(key, *rest, &block)
    super(convert_key(key), *rest, &block)
  end

  def delete(key)
    super(convert_key(key))
  end

  private

  def convert_key(key)
    key.is_a?(Symbol) ? key.to_s : key
  end
end
`;

function library(groups: string[], singleton: string, prelude: string): string {
  return [
    "require 'mixlib/config'",
    prelude,
    MASH,
    'module ScalrServer',
    '  extend(Mixlib::Config)',
    '  config_strict_mode true',
    ...groups.map((g) => `  default :${g}, Mash.new`),
    '  default :enable_all, true',
    '  class << self',
    '    def string2boolean(hash)',
    '      hash.keys.each do |key|',
    '        value = hash[key]',
    '        next string2boolean(value) if value.is_a?(Hash)',
    "        hash[key] = true if %w[yes 1 true on].include?(value)",
    "        hash[key] = false if %w[no 0 false off].include?(value)",
    "        hash[key] = nil if %w[null nil ~].include?(value)",
    '      end',
    '    end',
    singleton,
    '  end',
    'end',
    '',
  ].join('\n');
}

/** Builds the tree under `root`; returns root. */
export function installStandIn(root: string, s: StandIn = {}): string {
  const bin = join(root, 'embedded', 'bin');
  const libraries = join(root, 'embedded', 'cookbooks', 'scalr-server', 'libraries');
  mkdirSync(bin, { recursive: true });
  mkdirSync(libraries, { recursive: true });
  writeFileSync(join(libraries, 'scalr_server.rb'), library(s.groups ?? COOKBOOK_GROUPS, s.singleton ?? '', s.prelude ?? ''));
  installEmbeddedRuby(root, s.onLoaderRun);
  return root;
}

/** Only embedded/bin/ruby, as when the package is half there: the ruby -c fallback uses it. */
export function installEmbeddedRuby(root: string, onLoaderRun = ''): void {
  const bin = join(root, 'embedded', 'bin');
  mkdirSync(bin, { recursive: true });
  const ruby = join(bin, 'ruby');
  writeFileSync(ruby, `#!/bin/sh\ncase "$1" in\n  *installed-loader.rb)\n${onLoaderRun}\n  ;;\nesac\nexec ruby "$@"\n`);
  chmodSync(ruby, 0o755);
}
