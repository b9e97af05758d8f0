; Top-level writes into an attribute group: GROUP[:key]...[:key] = VALUE
(program
  (assignment
    left: (element_reference) @target
    right: (_) @value) @write)

; Top-level setter calls: enable_all false
(program
  (call
    method: (identifier) @setter
    arguments: (argument_list) @arguments) @call)
