#!/usr/bin/env ruby
# frozen_string_literal: true

# Prints the settings scalr-server-ctl would see after evaluating the configuration files.
#
#   load-config.rb MAIN.rb [LOCAL.rb]   one line of JSON: {"groups": {...}, "enable_all": ...}
#                                       or exit 1 with a one-line message on stderr
#   load-config.rb --batch              stdin: JSON array; each entry a path, [main, local] or
#                                       {"main": path, "local": path}; stdout: JSON array of
#                                       {"ok": true, "value": ..., "warnings": [...]} or
#                                       {"ok": false, "error": "...", "line": n}
#   load-config.rb --syntax-batch       stdin: JSON array of paths; stdout: JSON array of
#                                       {"ok": true} or {"ok": false, "error": "...", "line": n}
#   load-config.rb --yaml FILE          the YAML file in canonical JSON
#   load-config.rb --uses MAIN [--local LOCAL] [--secrets JSON]
#                                       what Scalr uses after reconfigure (scalr_pipeline.rb):
#                                       {"attributes": {group: ...}, "configuration": config.yml
#                                       as loaded, "generated": ["mysql.root_password", ...],
#                                       "error": null | {"class", "message", "stage", "line"}}.
#                                       LOCAL and JSON default to scalr-server-local.rb and
#                                       scalr-server-secrets.json beside MAIN, when they exist.
#   load-config.rb --uses-batch         stdin: JSON array of {"main", "local"?, "secrets"?} paths
#                                       (nothing is looked up beside MAIN); stdout: JSON array of
#                                       the --uses objects
#
# Batch modes evaluate every entry in a fresh configuration, in one process. An evaluation that
# fails is data (exit 0); exit 2 is for bad usage or batch input.

require_relative 'scalr_loader'
require_relative 'scalr_pipeline'

def text(message)
  message.to_s.dup.force_encoding(Encoding::UTF_8).scrub.strip.gsub(/\s*\n\s*/, ' / ')
end

def emit(obj)
  $stdout.binmode
  $stdout.write(JSON.generate(obj))
  $stdout.write("\n")
  $stdout.flush
end

def die(message, status = 1)
  $stderr.puts(text(message))
  exit(status)
end

$captured_warnings = nil

# Warnings belong to the entry that raised them, not to a shared stderr.
def Warning.warn(message, category: nil)
  if $captured_warnings
    $captured_warnings << text(message)
  else
    super
  end
end

def capturing_warnings
  $captured_warnings = []
  result = yield
  [result, $captured_warnings]
ensure
  $captured_warnings = nil
end

def failure(err)
  r = { 'ok' => false, 'error' => text(err.message) }
  r['line'] = err.line if err.respond_to?(:line) && err.line
  r
end

def entry_paths(entry)
  case entry
  when String then [entry]
  when Array then entry.compact
  when Hash then [entry['main'], entry['local']].compact
  else []
  end
end

def read_batch
  list = JSON.parse($stdin.read)
  die('batch input must be a JSON array', 2) unless list.is_a?(Array)
  list
rescue JSON::ParserError => e
  die("batch input is not JSON: #{e.message}", 2)
end

def batch
  results = read_batch.map do |entry|
    paths = entry_paths(entry)
    next { 'ok' => false, 'error' => "bad batch entry: #{text(entry.inspect)}" } if paths.empty? || !paths.all?(String)

    begin
      value, warnings = capturing_warnings { ScalrLoader.effective_canonical(ScalrLoader.evaluate(paths)) }
      r = { 'ok' => true, 'value' => value }
      r['warnings'] = warnings unless warnings.empty?
      r
    rescue ScalrLoader::EvalError => e
      failure(e)
    end
  end
  emit(results)
end

def syntax_batch
  results = read_batch.map do |path|
    next { 'ok' => false, 'error' => "bad batch entry: #{text(path.inspect)}" } unless path.is_a?(String)

    begin
      source = ScalrLoader.read_source(path)
      err, = capturing_warnings { ScalrLoader.syntax_error(source, path) }
      err ? failure(err) : { 'ok' => true }
    rescue SystemCallError, IOError => e
      { 'ok' => false, 'error' => text("#{path}: cannot read: #{e.message}") }
    end
  end
  emit(results)
end

def uses_result(main, local, secrets)
  value, warnings = capturing_warnings do
    r = ScalrPipeline.uses(main, local: local, secrets: secrets)
    { 'attributes' => ScalrLoader.canonical(r['attributes']),
      'configuration' => ScalrLoader.canonical(r['configuration']),
      'generated' => r['generated'], 'error' => nil }
  rescue ScalrPipeline::StageError => e
    error = { 'class' => e.error_class, 'message' => text(e.message), 'stage' => e.stage }
    error['line'] = e.line if e.line
    { 'attributes' => nil, 'configuration' => nil, 'generated' => [], 'error' => error }
  end
  value['warnings'] = warnings unless warnings.empty?
  value
end

def beside(main, name)
  path = File.join(File.dirname(main), name)
  File.file?(path) ? path : nil
end

def uses(args)
  usage = 'usage: load-config.rb --uses MAIN [--local LOCAL] [--secrets JSON]'
  main = args.shift
  die(usage, 2) if main.nil? || main.start_with?('--')
  options = {}
  until args.empty?
    flag = args.shift
    value = args.shift
    die(usage, 2) unless %w[--local --secrets].include?(flag) && value && !options.key?(flag)
    options[flag] = value
  end
  local = options.fetch('--local') { beside(main, 'scalr-server-local.rb') }
  secrets = options.fetch('--secrets') { beside(main, 'scalr-server-secrets.json') }
  emit(uses_result(main, local, secrets))
end

def uses_batch
  results = read_batch.map do |entry|
    paths = entry.is_a?(Hash) ? entry.values_at('main', 'local', 'secrets') : []
    if paths[0].is_a?(String) && paths[1..].all? { |p| p.nil? || p.is_a?(String) }
      uses_result(*paths)
    else
      die("bad batch entry: #{text(entry.inspect)}", 2)
    end
  end
  emit(results)
end

def yaml(path)
  require 'yaml'
  data = YAML.safe_load(File.read(path, encoding: 'UTF-8'), permitted_classes: [Symbol], aliases: true)
  emit(ScalrLoader.canonical(data))
rescue SystemCallError, IOError, Psych::Exception => e
  die("#{path}: #{e.message}")
end

case ARGV[0]
when '--batch'
  batch
when '--syntax-batch'
  syntax_batch
when '--yaml'
  die('usage: load-config.rb --yaml FILE', 2) unless ARGV.length == 2
  yaml(ARGV[1])
when '--uses'
  uses(ARGV.drop(1))
when '--uses-batch'
  uses_batch
else
  if ARGV.empty? || ARGV.length > 2 || ARGV.any? { |a| a.start_with?('--') }
    die('usage: load-config.rb MAIN.rb [LOCAL.rb] | --batch | --syntax-batch | --yaml FILE | --uses MAIN | --uses-batch', 2)
  end
  begin
    emit(ScalrLoader.effective_canonical(ScalrLoader.evaluate(ARGV)))
  rescue ScalrLoader::EvalError => e
    die(e.message)
  end
end
