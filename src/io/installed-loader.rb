# Loads scalr-server.rb and scalr-server-local.rb with the ScalrServer library of an installed Scalr,
# as reconfigure does before its chef run, and prints the attribute groups as JSON on stdout.
#
#   ruby installed-loader.rb LIBRARY MAIN LOCAL SECRETS
#
# Any of MAIN, LOCAL and SECRETS may name a missing file, which is skipped as reconfigure skips it.
# Runs under the installed Scalr's own Ruby (2.1 in the 7.x packages), so it keeps to what 2.1 has.
#
# Exit status: 0 with {"groups": ...}; 3 with {"error": ...} when a configuration file does not
# load; 4 with {"error": ...} when the library itself cannot be loaded. Anything else is a crash.

require 'json'

library, main_path, local_path, secrets_path = ARGV
out = STDOUT
# Whatever the library or the files print must not mix with the result.
$stdout = STDERR

# Every string as one JSON character per byte, so bytes that are not UTF-8 survive and keys match
# the byte strings the caller names them by.
def bytes_text(s)
  s.to_s.dup.force_encoding(Encoding::BINARY).unpack('C*').pack('U*')
end

def hash_key(k)
  k.is_a?(String) ? bytes_text(k) : "\u0000" + bytes_text(k.inspect)
end

# Tagged JSON: strings, true, false, nil and arrays as themselves; everything else {"$": kind, "v": ...}.
def tagged(value, depth = 0)
  raise ArgumentError, 'values nested more than 100 deep (a hash that contains itself?)' if depth > 100
  case value
  when String then bytes_text(value)
  when true, false, nil then value
  when Symbol then { '$' => 'symbol', 'v' => bytes_text(value.to_s) }
  when Integer then { '$' => 'integer', 'v' => value.to_s }
  when Float then { '$' => 'float', 'v' => value.to_s }
  when Array then value.map { |e| tagged(e, depth + 1) }
  when Hash
    pairs = {}
    value.each_pair { |k, v| pairs[hash_key(k)] = tagged(v, depth + 1) }
    { '$' => 'hash', 'v' => pairs }
  else { '$' => 'object', 'v' => bytes_text(value.class.to_s + ' ' + value.inspect) }
  end
end

def report(out, status, exception, paths)
  where = nil
  (exception.backtrace || []).each do |frame|
    path, line = frame.split(':')
    if paths.include?(path)
      where = { 'file' => path, 'line' => line.to_i }
      break
    end
  end
  message = exception.message.to_s.split("\n").first.to_s
  out.puts(JSON.generate({ 'error' => bytes_text("#{exception.class}: #{message}") }.merge(where || {})))
  exit status
end

begin
  require library
  raise NameError, "#{library} does not define ScalrServer" unless defined?(::ScalrServer)
rescue Exception => e
  report(out, 4, e, [library])
end

files = [main_path, local_path].select { |p| File.exist?(p) }
begin
  files.each { |p| ScalrServer.from_file(p) }
  # Reconfigure assigns every value of the secrets file over what the .rb files set.
  if File.exist?(secrets_path)
    JSON.parse(File.read(secrets_path)).each do |group, values|
      values.each { |k, v| ScalrServer[group][k] = v }
    end
  end
  names = ScalrServer.configurables.keys
  names |= ScalrServer.configuration.keys if ScalrServer.respond_to?(:configuration)
  groups = {}
  names.each { |name| groups[name.to_s] = ScalrServer[name] }
  # The library's own conversion of "yes", "off", "nil"... where it has one.
  ScalrServer.string2boolean(groups) if ScalrServer.respond_to?(:string2boolean)
  result = JSON.generate('groups' => tagged(groups))
rescue Exception => e
  report(out, 3, e, files + [secrets_path])
end
out.puts(result)
exit 0
