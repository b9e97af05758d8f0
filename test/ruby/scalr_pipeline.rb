# frozen_string_literal: true

# What Scalr uses after `scalr-server-ctl reconfigure`, following the 7.x cookbook
# (sunhanintech/installer-ng at 7687092, files/scalr-server-cookbooks/scalr-server/):
#
#   1. load     ScalrServer.from_file of scalr-server.rb, then scalr-server-local.rb
#   2. secrets  every value of scalr-server-secrets.json assigned over the files; the secrets that
#               are still unset get generated (here: fixed stand-ins, listed in `generated`)
#   3. string2boolean over every hash of the groups and over enable_all, not inside arrays
#   4. attributes  the cookbook defaults, with the groups merged over them (Chef's precedence merge)
#   5. config.yml  generated settings, with app[:configuration] merged over them, dumped to YAML
#               and loaded back (ScalrConfigYml)
#
# Not modelled: manifest.json (written over the manifest group), the secrets file being rewritten,
# and generated settings that come from the services, paths and plotter helpers.

require 'yaml'
require_relative 'scalr_loader'
require_relative 'scalr_config_yml'

module ScalrPipeline
  ATTRIBUTES_FILE = File.join(__dir__, 'cookbook-attributes.yml')

  # The names generate_hash hands to the node, in its order; enable_all is the only scalar.
  NODE_KEYS = %w[routing supervisor app mysql cron rrd service web proxy memcached manifest logrotate repos csg
                 enable_all].freeze

  # Secrets the cookbook generates when neither the files nor the JSON set them (`||=`, so false
  # is replaced too), with the generator it uses. The stand-ins keep the model deterministic.
  GENERATED_SECRETS = [
    [:mysql, :root_password, 'hex(50)'],
    [:mysql, :scalr_password, 'hex(50)'],
    [:mysql, :repl_password, 'hex(12)'],
    [:memcached, :password, 'hex(50)'],
    [:app, :admin_password, 'hex(12)'],
    [:app, :secret_key, 'base64(512)'],
    [:app, :id, 'hex(4)']
  ].freeze

  JSON_PARSE_ERROR = 'Chef::Exceptions::JSON::ParseError'

  TRUE_WORDS = %w[yes 1 true on].freeze
  FALSE_WORDS = %w[no 0 false off].freeze
  NIL_WORDS = %w[null nil ~].freeze

  # A failure of one step; `stage` names the step, error_class the Ruby exception behind it.
  class StageError < StandardError
    attr_reader :stage, :error_class, :line

    def initialize(stage, message, error_class, line = nil)
      super(message)
      @stage = stage
      @error_class = error_class
      @line = line
    end
  end

  module_function

  # Runs every step; returns {attributes:, configuration:, generated:} or raises StageError.
  def uses(main, local: nil, secrets: nil)
    config = stage('load') { ScalrLoader.evaluate([main, local].compact, enable_all_default: true) }
    generated = stage('secrets') { apply_secrets(config, secrets) }
    results = stage('string2boolean') { node_hash(config) }
    node = stage('attributes') { ScalrLoader.hash_only_merge(defaults, results['scalr_server']) }
    configuration = stage('config.yml') { ScalrConfigYml.loaded(node) }
    { 'attributes' => node, 'configuration' => configuration, 'generated' => generated }
  end

  def stage(name)
    yield
  rescue ScalrLoader::EvalError => e
    raise StageError.new(name, e.message, e.error_class || 'ScalrLoader::EvalError', e.line)
  rescue StageError
    raise
  rescue ScriptError, StandardError, SystemStackError, NoMemoryError => e
    message = e.message.to_s.lines.map(&:strip).reject(&:empty?).join(' / ')
    raise StageError.new(name, message, e.class.name)
  end

  def defaults
    YAML.safe_load(File.read(ATTRIBUTES_FILE, encoding: 'UTF-8'), permitted_classes: [Symbol])
  end

  # The secrets file as the cookbook reads it: a JSON object (or array) whose entries are group
  # name => {key => value}; each value is assigned through the configuration module, so an unknown
  # group fails as strict mode makes it fail.
  def apply_secrets(config, path)
    if path
      data = read_secrets(path)
      data.each do |group, values|
        values.each { |key, value| config[group][key] = value }
      end
    end
    GENERATED_SECRETS.each_with_object([]) do |(group, key, how), generated|
      next if config[group][key]

      config[group][key] = "generated:#{how}"
      generated << "#{group}.#{key}"
    end
  end

  def read_secrets(path)
    text = begin
      File.read(path, encoding: 'UTF-8')
    rescue SystemCallError, IOError => e
      raise StageError.new('secrets', "#{path}: cannot read: #{e.message}", e.class.name)
    end
    # Chef::JSONCompat.from_json raises its own ParseError, for bad JSON and for a top level that
    # is neither an object nor an array.
    data = begin
      JSON.parse(text)
    rescue JSON::ParserError => e
      raise StageError.new('secrets', "#{path}: #{e.message.lines.first.to_s.strip}", JSON_PARSE_ERROR)
    end
    unless data.is_a?(Hash) || data.is_a?(Array)
      raise StageError.new('secrets', "#{path}: the top level must be an object or an array, not #{data.class}",
                           JSON_PARSE_ERROR)
    end
    data
  end

  # generate_hash: the groups under scalr_server (the same objects, so the conversion below changes
  # them in place, as in the cookbook), plus the time zone routed to another cookbook.
  def node_hash(config)
    scalr_server = {}
    NODE_KEYS.each { |k| scalr_server[k] = config[k.to_sym] }
    results = { 'scalr_server' => scalr_server, 'rackspace_timezone' => { 'config' => { 'tz' => config[:supervisor][:tz] } } }
    string2boolean!(results)
    results
  end

  # Words become booleans or nil in every hash, however deep; arrays and their contents are left.
  def string2boolean!(hash)
    hash.keys.each do |key|
      value = hash[key]
      if value.is_a?(Hash)
        string2boolean!(value)
      else
        hash[key] = word_value(value)
      end
    end
  end

  def word_value(value)
    case value
    when *TRUE_WORDS then true
    when *FALSE_WORDS then false
    when *NIL_WORDS then nil
    else value
    end
  end
end
