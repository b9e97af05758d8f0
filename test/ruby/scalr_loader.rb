# frozen_string_literal: true

# Evaluates scalr-server.rb (and scalr-server-local.rb) the way scalr-server-ctl does: a
# Mixlib::Config module in strict mode whose attribute groups default to Mash, each file
# instance_eval'ed in turn. Shared by load-config.rb and the stand-in ctl so both agree.

require 'mixlib/config'
require 'json'

# Chef is not available, so this is the subset of Chef's Mash the configuration relies on:
# symbol keys become strings, and plain hashes assigned into it (also inside arrays) become
# Mashes. Top-level like Chef's, because configuration files may name `Mash` directly.
unless defined?(::Mash)
  class Mash < Hash
    def self.from_hash(hash)
      mash = new(hash)
      mash.default = hash.default
      mash
    end

    def initialize(constructor = {}, &block)
      if constructor.is_a?(Hash)
        super(&block)
        update(constructor)
      else
        super
      end
    end

    alias regular_writer []= unless method_defined?(:regular_writer)
    alias regular_reader [] unless method_defined?(:regular_reader)

    def [](key)
      regular_reader(convert_key(key))
    end

    def []=(key, value)
      regular_writer(convert_key(key), convert_value(value))
    end
    alias store []=

    def update(*others)
      others.each do |other|
        other.each_pair do |key, value|
          k = convert_key(key)
          value = yield(k, regular_reader(k), value) if block_given? && key?(k)
          regular_writer(k, convert_value(value))
        end
      end
      self
    end
    alias merge! update

    def merge(*others, &block)
      dup.update(*others, &block)
    end

    def key?(key)
      super(convert_key(key))
    end
    alias include? key?
    alias has_key? key?
    alias member? key?

    def fetch(key, *extras, &block)
      super(convert_key(key), *extras, &block)
    end

    def values_at(*keys)
      keys.map { |k| self[k] }
    end

    def fetch_values(*keys, &block)
      super(*keys.map { |k| convert_key(k) }, &block)
    end

    def delete(key, &block)
      super(convert_key(key), &block)
    end

    # Hash#dig reads nested hashes without calling [] on them, so symbols need converting here.
    def dig(key, *rest)
      value = self[key]
      return value if rest.empty? || value.nil?

      value.dig(*rest)
    end

    def to_hash
      Hash.new(default).merge(self)
    end

    private

    def convert_key(key)
      key.is_a?(Symbol) ? key.to_s : key
    end

    def convert_value(value)
      if value.class == Hash
        Mash.from_hash(value)
      elsif value.is_a?(Array)
        value.map { |e| convert_value(e) }
      else
        value
      end
    end
  end
end

module ScalrLoader
  GROUPS = %w[routing supervisor mysql memcached app web proxy cron service rrd manifest logrotate repos csg].freeze

  MAX_SAFE_INTEGER = 2**53 - 1

  # An evaluation failure with the file and line it came from (line is nil when Ruby gave none)
  # and the class of the exception Ruby raised (nil when the loader itself refused).
  class EvalError < StandardError
    attr_reader :line, :error_class

    def initialize(message, line = nil, error_class = nil)
      super(message)
      @line = line
      @error_class = error_class
    end
  end

  module_function

  # A fresh configuration module, bound to the constant ScalrServer so messages name it as the
  # real one does. A new module per evaluation: reset alone would keep whatever a previous file
  # changed on the module itself (strict mode, new configurables, singleton methods).
  # enable_all defaults to nil (never set) unless a default is given: the cookbook's own module
  # defaults it to true, which the reconfigure pipeline needs and the plain load leaves out.
  def new_config(enable_all_default: nil)
    mod = Module.new do
      extend Mixlib::Config
      GROUPS.each { |g| default(g.to_sym, Mash.new) }
      if enable_all_default.nil?
        configurable(:enable_all)
      else
        default(:enable_all, enable_all_default)
      end
      config_strict_mode true
    end
    Object.send(:remove_const, :ScalrServer) if Object.const_defined?(:ScalrServer, false)
    Object.const_set(:ScalrServer, mod)
    mod
  end

  # Source text as from_file reads it: the file's bytes, untranscoded, as UTF-8.
  def read_source(path)
    File.binread(path).force_encoding(Encoding::UTF_8)
  end

  # Evaluates each path in order into one fresh configuration; returns the module.
  # Raises EvalError on any failure.
  def evaluate(paths, enable_all_default: nil)
    config = new_config(enable_all_default: enable_all_default)
    paths.each do |path|
      source = begin
        read_source(path)
      rescue SystemCallError, IOError => e
        raise EvalError.new("#{path}: cannot read: #{e.message}")
      end
      eval_one(config, source, path)
    end
    config
  end

  def eval_one(config, source, path)
    stdout = $stdout
    # A file that prints must not corrupt the JSON on stdout.
    $stdout = $stderr
    config.instance_eval(source, path, 1)
  rescue SystemExit => e
    raise EvalError.new("#{path}: the file called exit (status #{e.status})", nil, 'SystemExit')
  rescue ScriptError, StandardError, SystemStackError, NoMemoryError => e
    raise describe_error(e, path)
  ensure
    $stdout = stdout
  end

  def describe_error(e, path)
    if e.is_a?(SyntaxError)
      lines = e.message.lines.map(&:chomp)
      located = lines.grep(/\A#{Regexp.escape(path)}:\d+:/)
      line = located.first&.then { |l| l[path.length + 1..].to_i }
      text = (located.empty? ? lines.reject(&:empty?) : located).join(' / ')
      return EvalError.new("#{text} (SyntaxError)", line, e.class.name)
    end
    frame = (e.backtrace || []).find { |l| l.start_with?("#{path}:") }
    line = frame && frame[path.length + 1..].to_i
    where = line ? "#{path}:#{line}" : path
    message = e.message.to_s.lines.map(&:strip).reject(&:empty?).join(' / ')
    EvalError.new("#{where}: #{message} (#{e.class})", line, e.class.name)
  end

  # The effective settings: every group (empty ones as {}) and enable_all.
  def effective(config)
    groups = {}
    GROUPS.each { |g| groups[g] = config.send(g) }
    { 'groups' => groups, 'enable_all' => config.enable_all }
  end

  def effective_canonical(config)
    canonical(effective(config))
  end

  def utf8_text(str)
    s = str.dup.force_encoding(Encoding::UTF_8)
    s.valid_encoding? ? s : nil
  end

  # Object keys: Unicode text of a string or symbol name; other keys by inspect. Bytes that are
  # not UTF-8 are kept one char per byte (latin1), as the TypeScript side holds byte strings.
  def canonical_key(key)
    case key
    when String
      utf8_text(key) || key.b.force_encoding(Encoding::ISO_8859_1).encode(Encoding::UTF_8)
    when Symbol
      canonical_key(key.name)
    else
      key.inspect
    end
  end

  # The canonical JSON form (see toCanonical in src/values/value.ts).
  def canonical(value, seen = {})
    case value
    when String
      utf8_text(value) || { '$bytes' => value.unpack1('H*') }
    when Symbol
      name = utf8_text(value.name)
      name ? { '$sym' => name } : { '$ruby' => value.inspect.scrub }
    when Integer
      value.abs <= MAX_SAFE_INTEGER ? value : { '$int' => value.to_s }
    when Float
      if value.nan? then { '$float' => 'NaN' }
      elsif value.infinite? then { '$float' => value.positive? ? 'Infinity' : '-Infinity' }
      else { '$float' => value }
      end
    when true, false, nil
      value
    when Hash, Array
      return { '$ruby' => value.inspect.scrub } if seen.key?(value.object_id)

      seen[value.object_id] = true
      out = if value.is_a?(Hash)
              value.each_with_object({}) { |(k, v), o| o[canonical_key(k)] = canonical(v, seen) }
            else
              value.map { |v| canonical(v, seen) }
            end
      seen.delete(value.object_id)
      out
    else
      { '$ruby' => value.inspect.scrub }
    end
  end

  # Parse-only check, what `ruby -c` does, without a process per file. The parser's own
  # message has no location, so a failing text is compiled once more for one that does.
  def syntax_error(source, path)
    RubyVM::AbstractSyntaxTree.parse(source)
    nil
  rescue SyntaxError => e
    located = begin
      RubyVM::InstructionSequence.compile(source, path, path, 1)
      nil
    rescue SyntaxError => e2
      e2
    end
    return describe_error(located, path) if located

    EvalError.new("#{path}: #{e.message.lines.map(&:chomp).reject(&:empty?).join(' / ')} (SyntaxError)", nil, 'SyntaxError')
  end

  # Recursive merge as the cookbook applies app[:configuration]: hashes merge, everything else
  # (arrays, scalars) replaces; keys become strings.
  def deep_merge(base, over)
    result = {}
    base.each { |k, v| result[k.is_a?(Symbol) ? k.to_s : k] = plain(v) }
    over.each do |k, v|
      key = k.is_a?(Symbol) ? k.to_s : k
      result[key] = if v.is_a?(Hash) && result[key].is_a?(Hash)
                      deep_merge(result[key], v)
                    else
                      plain(v)
                    end
    end
    result
  end

  # Chef's merge of one attribute precedence level over another, also used by the cookbook to merge
  # app[:configuration] into config.yml: hashes merge key by key, nil over a key that exists keeps
  # what was there, anything else (arrays too) replaces. Neither argument is changed.
  def hash_only_merge(onto, with)
    if onto.is_a?(Hash) && with.is_a?(Hash)
      merged = onto.dup
      with.each { |k, v| merged[k] = merged.key?(k) ? hash_only_merge(merged[k], v) : v }
      merged
    elsif with.nil?
      onto
    else
      with
    end
  end

  # Plain Hashes with string keys, so YAML output carries no Ruby class tags.
  def plain(value)
    case value
    when Hash then value.each_with_object({}) { |(k, v), o| o[k.is_a?(Symbol) ? k.to_s : k] = plain(v) }
    when Array then value.map { |v| plain(v) }
    else value
    end
  end
end
