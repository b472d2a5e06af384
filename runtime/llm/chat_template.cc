#include "runtime/llm/chat_template.h"

#include <cctype>
#include <map>
#include <memory>

namespace sprig::llm {
namespace {

// ---- values ----

struct Value;
using List = std::vector<Value>;
using Map = std::map<std::string, Value>;

struct Value {
  enum Kind { kUndefined, kNone, kBool, kInt, kString, kList, kMap } kind = kUndefined;
  bool b = false;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<List> list;
  std::shared_ptr<Map> map;

  static Value none() { Value v; v.kind = kNone; return v; }
  static Value boolean(bool x) { Value v; v.kind = kBool; v.b = x; return v; }
  static Value integer(int64_t x) { Value v; v.kind = kInt; v.i = x; return v; }
  static Value string(std::string x) { Value v; v.kind = kString; v.s = std::move(x); return v; }
  static Value of_list(List x) { Value v; v.kind = kList; v.list = std::make_shared<List>(std::move(x)); return v; }
  static Value of_map(Map x) { Value v; v.kind = kMap; v.map = std::make_shared<Map>(std::move(x)); return v; }

  bool truthy() const {
    switch (kind) {
      case kBool: return b;
      case kInt: return i != 0;
      case kString: return !s.empty();
      case kList: return !list->empty();
      case kMap: return !map->empty();
      default: return false;
    }
  }
  std::string text() const {
    switch (kind) {
      case kNone: return "None";
      case kBool: return b ? "True" : "False";
      case kInt: return std::to_string(i);
      case kString: return s;
      default: return "";
    }
  }
};

bool equal(const Value& a, const Value& b) {
  if (a.kind == Value::kInt && b.kind == Value::kBool) return a.i == b.b;
  if (a.kind == Value::kBool && b.kind == Value::kInt) return a.b == b.i;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::kBool: return a.b == b.b;
    case Value::kInt: return a.i == b.i;
    case Value::kString: return a.s == b.s;
    case Value::kList: {
      if (a.list->size() != b.list->size()) return false;
      for (size_t k = 0; k < a.list->size(); ++k) {
        if (!equal((*a.list)[k], (*b.list)[k])) return false;
      }
      return true;
    }
    default: return true;
  }
}

std::string strip(const std::string& s, bool left, bool right) {
  size_t begin = 0, end = s.size();
  while (left && begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
  while (right && end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  return s.substr(begin, end - begin);
}

// ---- expressions ----

struct Token {
  enum Kind { kEnd, kName, kString, kInt, kOp } kind = kEnd;
  std::string text;
  int64_t number = 0;
};

struct Expr {
  enum Kind { kLiteral, kName, kAttr, kIndex, kSlice, kCall, kFilter, kTest, kUnary, kBinary, kCond, kList } kind;
  Value literal;
  std::string name;  // name, attribute, filter, test or operator
  std::vector<std::unique_ptr<Expr>> args;  // operands; a slice's absent bounds are null
  bool negated = false;
};
using ExprPtr = std::unique_ptr<Expr>;

ExprPtr make(Expr::Kind kind, std::string name = "") {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->name = std::move(name);
  return e;
}

class ExprParser {
 public:
  ExprParser(std::string_view text, std::string* error) : text_(text), error_(error) { advance(); }

  ExprPtr parse() { return conditional(); }
  bool at_end() const { return token_.kind == Token::kEnd; }
  bool accept_name(const char* name) {
    if (token_.kind == Token::kName && token_.text == name) {
      advance();
      return true;
    }
    return false;
  }
  std::string take_name() {
    if (token_.kind != Token::kName) {
      fail("a name expected");
      return "";
    }
    std::string name = token_.text;
    advance();
    return name;
  }
  bool accept_op(const char* op) {
    if (token_.kind == Token::kOp && token_.text == op) {
      advance();
      return true;
    }
    return false;
  }
  void expect_op(const char* op) {
    if (!accept_op(op)) fail(std::string("'") + op + "' expected");
  }
  void fail(const std::string& why) {
    if (error_->empty()) error_->assign("chat template: " + why + " in '" + std::string(text_) + "'");
  }

 private:
  void advance() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    token_ = Token();
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = pos_;
      while (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) ++end;
      token_ = {Token::kName, std::string(text_.substr(pos_, end - pos_)), 0};
      pos_ = end;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      int64_t n = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) n = n * 10 + (text_[pos_++] - '0');
      token_ = {Token::kInt, "", n};
    } else if (c == '\'' || c == '"') {
      std::string s;
      size_t p = pos_ + 1;
      for (; p < text_.size() && text_[p] != c; ++p) {
        if (text_[p] == '\\' && p + 1 < text_.size()) {
          const char e = text_[++p];
          s.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
        } else {
          s.push_back(text_[p]);
        }
      }
      if (p >= text_.size()) fail("unterminated string");
      token_ = {Token::kString, s, 0};
      pos_ = p + 1;
    } else {
      static const char* const kTwo[] = {"==", "!=", "<=", ">=", "//"};
      for (const char* op : kTwo) {
        if (text_.compare(pos_, 2, op) == 0) {
          token_ = {Token::kOp, op, 0};
          pos_ += 2;
          return;
        }
      }
      token_ = {Token::kOp, std::string(1, c), 0};
      ++pos_;
    }
  }

  ExprPtr binary(ExprPtr left, const std::string& op, ExprPtr right) {
    ExprPtr e = make(Expr::kBinary, op);
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    return e;
  }

  ExprPtr conditional() {
    ExprPtr value = or_expr();
    if (accept_name("if")) {
      ExprPtr e = make(Expr::kCond);
      ExprPtr condition = or_expr();
      ExprPtr otherwise = accept_name("else") ? conditional() : nullptr;
      e->args.push_back(std::move(value));
      e->args.push_back(std::move(condition));
      e->args.push_back(std::move(otherwise));
      return e;
    }
    return value;
  }
  ExprPtr or_expr() {
    ExprPtr e = and_expr();
    while (accept_name("or")) e = binary(std::move(e), "or", and_expr());
    return e;
  }
  ExprPtr and_expr() {
    ExprPtr e = not_expr();
    while (accept_name("and")) e = binary(std::move(e), "and", not_expr());
    return e;
  }
  ExprPtr not_expr() {
    if (accept_name("not")) {
      ExprPtr e = make(Expr::kUnary, "not");
      e->args.push_back(not_expr());
      return e;
    }
    return comparison();
  }
  ExprPtr comparison() {
    ExprPtr e = concat();
    for (;;) {
      if (token_.kind == Token::kOp &&
          (token_.text == "==" || token_.text == "!=" || token_.text == "<" || token_.text == ">" ||
           token_.text == "<=" || token_.text == ">=")) {
        const std::string op = token_.text;
        advance();
        e = binary(std::move(e), op, concat());
      } else if (accept_name("in")) {
        e = binary(std::move(e), "in", concat());
      } else if (token_.kind == Token::kName && token_.text == "not") {
        advance();
        if (!accept_name("in")) fail("'in' expected after 'not'");
        ExprPtr n = make(Expr::kUnary, "not");
        n->args.push_back(binary(std::move(e), "in", concat()));
        e = std::move(n);
      } else if (accept_name("is")) {
        ExprPtr t = make(Expr::kTest);
        t->negated = accept_name("not");
        t->name = take_name();
        t->args.push_back(std::move(e));
        e = std::move(t);
      } else {
        return e;
      }
    }
  }
  ExprPtr concat() {
    ExprPtr e = additive();
    while (accept_op("~")) e = binary(std::move(e), "~", additive());
    return e;
  }
  ExprPtr additive() {
    ExprPtr e = multiplicative();
    for (;;) {
      if (accept_op("+")) e = binary(std::move(e), "+", multiplicative());
      else if (accept_op("-")) e = binary(std::move(e), "-", multiplicative());
      else return e;
    }
  }
  ExprPtr multiplicative() {
    ExprPtr e = unary();
    for (;;) {
      if (accept_op("*")) e = binary(std::move(e), "*", unary());
      else if (accept_op("//")) e = binary(std::move(e), "//", unary());
      else if (accept_op("%")) e = binary(std::move(e), "%", unary());
      else return e;
    }
  }
  ExprPtr unary() {
    if (accept_op("-")) {
      ExprPtr e = make(Expr::kUnary, "-");
      e->args.push_back(unary());
      return e;
    }
    return filtered();
  }
  ExprPtr filtered() {
    ExprPtr e = postfix();
    while (accept_op("|")) {
      ExprPtr f = make(Expr::kFilter, take_name());
      f->args.push_back(std::move(e));
      if (accept_op("(")) {
        while (!accept_op(")") && error_->empty()) {
          f->args.push_back(conditional());
          accept_op(",");
        }
      }
      e = std::move(f);
    }
    return e;
  }
  ExprPtr postfix() {
    ExprPtr e = primary();
    for (;;) {
      if (accept_op(".")) {
        ExprPtr a = make(Expr::kAttr, take_name());
        a->args.push_back(std::move(e));
        e = std::move(a);
      } else if (accept_op("[")) {
        ExprPtr start = token_.kind == Token::kOp && token_.text == ":" ? nullptr : conditional();
        if (accept_op(":")) {
          ExprPtr s = make(Expr::kSlice);
          ExprPtr stop = token_.kind == Token::kOp && token_.text == "]" ? nullptr : conditional();
          s->args.push_back(std::move(e));
          s->args.push_back(std::move(start));
          s->args.push_back(std::move(stop));
          e = std::move(s);
        } else {
          ExprPtr i = make(Expr::kIndex);
          i->args.push_back(std::move(e));
          i->args.push_back(std::move(start));
          e = std::move(i);
        }
        expect_op("]");
      } else if (accept_op("(")) {
        ExprPtr c = make(Expr::kCall);
        c->args.push_back(std::move(e));
        while (!accept_op(")") && error_->empty()) {
          c->args.push_back(conditional());
          accept_op(",");
        }
        e = std::move(c);
      } else {
        return e;
      }
    }
  }
  ExprPtr primary() {
    if (token_.kind == Token::kString) {
      ExprPtr e = make(Expr::kLiteral);
      e->literal = Value::string(token_.text);
      advance();
      while (token_.kind == Token::kString) {  // adjacent literals join
        e->literal.s += token_.text;
        advance();
      }
      return e;
    }
    if (token_.kind == Token::kInt) {
      ExprPtr e = make(Expr::kLiteral);
      e->literal = Value::integer(token_.number);
      advance();
      return e;
    }
    if (accept_op("(")) {
      ExprPtr e = conditional();
      expect_op(")");
      return e;
    }
    if (accept_op("[")) {
      ExprPtr e = make(Expr::kList);
      while (!accept_op("]") && error_->empty()) {
        e->args.push_back(conditional());
        accept_op(",");
      }
      return e;
    }
    if (token_.kind == Token::kName) {
      const std::string name = take_name();
      ExprPtr e = make(Expr::kLiteral);
      if (name == "true" || name == "True") e->literal = Value::boolean(true);
      else if (name == "false" || name == "False") e->literal = Value::boolean(false);
      else if (name == "none" || name == "None") e->literal = Value::none();
      else e = make(Expr::kName, name);
      return e;
    }
    fail(token_.kind == Token::kEnd ? "unexpected end" : "unexpected '" + token_.text + "'");
    advance();
    return make(Expr::kLiteral);
  }

  std::string_view text_;
  size_t pos_ = 0;
  Token token_;
  std::string* error_;
};

// ---- statements ----

struct Node {
  enum Kind { kText, kOutput, kIf, kFor, kSet } kind;
  std::string text;                          // kText; kFor: loop variable; kSet: name
  ExprPtr expr;                              // kOutput, kFor's list, kSet's value
  std::vector<std::pair<ExprPtr, std::vector<Node>>> branches;  // kIf: condition (null: else), body
  std::vector<Node> body;                    // kFor
};

struct Segment {
  enum Kind { kText, kExpr, kStmt } kind;
  std::string text;
};

// Splits the template into text, {{ }} and {% %} (comments dropped), applying "-" markers and
// the trim_blocks / lstrip_blocks behaviour transformers renders chat templates with.
std::vector<Segment> split_template(std::string_view source, std::string* error) {
  std::vector<Segment> segments;
  size_t pos = 0;
  bool strip_next = false, block_before = false;
  while (pos <= source.size()) {
    const size_t open = source.find('{', pos);
    size_t tag = std::string::npos;
    for (size_t at = open; at != std::string::npos && at + 1 < source.size(); at = source.find('{', at + 1)) {
      const char c = source[at + 1];
      if (c == '{' || c == '%' || c == '#') {
        tag = at;
        break;
      }
    }
    std::string text(source.substr(pos, tag == std::string::npos ? std::string::npos : tag - pos));
    if (strip_next) text = strip(text, true, false);
    if (block_before && !text.empty() && text[0] == '\n') text.erase(0, 1);  // trim_blocks
    if (tag == std::string::npos) {
      if (!text.empty()) segments.push_back({Segment::kText, text});
      break;
    }
    const char type = source[tag + 1];
    const bool trim_left = tag + 2 < source.size() && source[tag + 2] == '-';
    if (trim_left) {
      text = strip(text, false, true);
    } else if (type != '{') {  // lstrip_blocks: spaces before a block tag on its own line
      const size_t line = text.find_last_of('\n');
      const std::string tail = text.substr(line == std::string::npos ? 0 : line + 1);
      const size_t tail_begin = tag - tail.size();
      if (tail.find_first_not_of(" \t") == std::string::npos &&
          (tail_begin == 0 || source[tail_begin - 1] == '\n')) {
        text.erase(text.size() - tail.size());
      }
    }
    if (!text.empty()) segments.push_back({Segment::kText, text});
    const std::string close = type == '{' ? "}}" : type == '%' ? "%}" : "#}";
    const size_t end = source.find(close, tag + 2);
    if (end == std::string::npos) {
      *error = "chat template: a tag opened at byte " + std::to_string(tag) + " is not closed";
      return {};
    }
    size_t body_begin = tag + 2 + (trim_left ? 1 : 0);
    size_t body_end = end;
    strip_next = end > body_begin && source[end - 1] == '-';
    if (strip_next) --body_end;
    const std::string body(source.substr(body_begin, body_end - body_begin));
    if (type == '{') segments.push_back({Segment::kExpr, body});
    if (type == '%') segments.push_back({Segment::kStmt, strip(body, true, true)});
    block_before = type != '{';
    pos = end + 2;
  }
  return segments;
}

class Renderer {
 public:
  explicit Renderer(std::string* error) : error_(error) {}

  std::vector<Node> parse(const std::vector<Segment>& segments) {
    size_t i = 0;
    std::string end_keyword;
    std::vector<Node> nodes = parse_block(segments, &i, {}, &end_keyword);
    return nodes;
  }

  void render(const std::vector<Node>& nodes, std::string* out) {
    for (const Node& node : nodes) {
      if (!error_->empty()) return;
      switch (node.kind) {
        case Node::kText: out->append(node.text); break;
        case Node::kOutput: out->append(eval(*node.expr).text()); break;
        case Node::kSet: scopes_.back()[node.text] = eval(*node.expr); break;
        case Node::kIf:
          for (const auto& [condition, body] : node.branches) {
            if (!condition || eval(*condition).truthy()) {
              render(body, out);
              break;
            }
          }
          break;
        case Node::kFor: {
          const Value list = eval(*node.expr);
          if (list.kind != Value::kList) {
            if (list.kind != Value::kUndefined && list.kind != Value::kNone) fail("for: not a list");
            break;
          }
          const auto n = static_cast<int64_t>(list.list->size());
          for (int64_t k = 0; k < n && error_->empty(); ++k) {
            Map loop = {{"index0", Value::integer(k)}, {"index", Value::integer(k + 1)},
                        {"first", Value::boolean(k == 0)}, {"last", Value::boolean(k == n - 1)},
                        {"length", Value::integer(n)}};
            scopes_.push_back({{node.text, (*list.list)[static_cast<size_t>(k)]}, {"loop", Value::of_map(loop)}});
            render(node.body, out);
            scopes_.pop_back();
          }
          break;
        }
      }
    }
  }

  void define(const std::string& name, Value value) { scopes_.front()[name] = std::move(value); }
  Code error_code() const { return code_; }

 private:
  void fail(const std::string& why, Code code = Code::kUnsupported) {
    if (error_->empty()) {
      error_->assign("chat template: " + why);
      code_ = code;
    }
  }

  ExprPtr parse_expr(std::string_view text) {
    ExprParser parser(text, error_);
    ExprPtr e = parser.parse();
    if (!parser.at_end()) parser.fail("unexpected text after the expression");
    if (!error_->empty()) code_ = Code::kInvalidModel;
    return e;
  }

  // Parses until a statement whose first word is in `ends` (returned in end_keyword, its text
  // after the keyword in end_rest).
  std::vector<Node> parse_block(const std::vector<Segment>& segments, size_t* i, const std::vector<std::string>& ends,
                                std::string* end_keyword, std::string* end_rest = nullptr) {
    std::vector<Node> nodes;
    while (*i < segments.size() && error_->empty()) {
      const Segment& segment = segments[(*i)++];
      if (segment.kind == Segment::kText) {
        nodes.push_back({Node::kText, segment.text, nullptr, {}, {}});
        continue;
      }
      if (segment.kind == Segment::kExpr) {
        nodes.push_back({Node::kOutput, "", parse_expr(segment.text), {}, {}});
        continue;
      }
      const size_t space = segment.text.find_first_of(" \t\n");
      const std::string keyword = segment.text.substr(0, space);
      const std::string rest = space == std::string::npos ? "" : strip(segment.text.substr(space), true, true);
      for (const std::string& end : ends) {
        if (keyword == end) {
          *end_keyword = keyword;
          if (end_rest) *end_rest = rest;
          return nodes;
        }
      }
      if (keyword == "if") {
        Node node{Node::kIf, "", nullptr, {}, {}};
        std::string condition = rest, keyword_found;
        bool has_condition = true;
        for (;;) {
          std::string next_rest;
          std::vector<Node> body = parse_block(segments, i, {"elif", "else", "endif"}, &keyword_found, &next_rest);
          node.branches.emplace_back(has_condition ? parse_expr(condition) : nullptr, std::move(body));
          if (keyword_found == "endif" || !error_->empty()) break;
          if (keyword_found.empty()) {
            fail("{% if %} without {% endif %}", Code::kInvalidModel);
            break;
          }
          has_condition = keyword_found == "elif";
          condition = next_rest;
        }
        nodes.push_back(std::move(node));
      } else if (keyword == "for") {
        const size_t in = rest.find(" in ");
        if (in == std::string::npos) {
          fail("{% for %} without 'in'", Code::kInvalidModel);
          break;
        }
        Node node{Node::kFor, strip(rest.substr(0, in), true, true), parse_expr(rest.substr(in + 4)), {}, {}};
        if (node.text.find_first_of(", ") != std::string::npos) fail("for with several loop variables");
        // "for x in list if test" filters items in Jinja; parsed as an expression it would be a
        // conditional without else, which renders nothing.
        if (node.expr && node.expr->kind == Expr::kCond && !node.expr->args[2]) fail("for ... if (a loop filter)");
        std::string found;
        node.body = parse_block(segments, i, {"endfor"}, &found);
        if (found != "endfor") fail("{% for %} without {% endfor %}", Code::kInvalidModel);
        nodes.push_back(std::move(node));
      } else if (keyword == "set") {
        const size_t eq = rest.find('=');
        const std::string name = strip(rest.substr(0, eq), true, true);
        if (eq == std::string::npos || name.find('.') != std::string::npos) {
          fail("{% set " + rest + " %} (only set NAME = EXPRESSION)");
          break;
        }
        nodes.push_back({Node::kSet, name, parse_expr(rest.substr(eq + 1)), {}, {}});
      } else {
        fail("statement {% " + keyword + " %}");
      }
    }
    end_keyword->clear();
    return nodes;
  }

  Value lookup(const std::string& name) {
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      const auto it = scope->find(name);
      if (it != scope->end()) return it->second;
    }
    return Value();
  }

  Value eval(const Expr& e) {
    if (!error_->empty()) return Value();
    switch (e.kind) {
      case Expr::kLiteral: return e.literal;
      case Expr::kName: return lookup(e.name);
      case Expr::kList: {
        List items;
        for (const ExprPtr& a : e.args) items.push_back(eval(*a));
        return Value::of_list(std::move(items));
      }
      case Expr::kAttr: return member(eval(*e.args[0]), Value::string(e.name));
      case Expr::kIndex: return member(eval(*e.args[0]), eval(*e.args[1]));
      case Expr::kSlice: return slice(eval(*e.args[0]), e.args[1].get(), e.args[2].get());
      case Expr::kCall: return call(e);
      case Expr::kFilter: return filter(e);
      case Expr::kTest: return Value::boolean(test(e.name, eval(*e.args[0])) != e.negated);
      case Expr::kCond:
        if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
        return e.args[2] ? eval(*e.args[2]) : Value();
      case Expr::kUnary: {
        const Value v = eval(*e.args[0]);
        if (e.name == "not") return Value::boolean(!v.truthy());
        if (v.kind != Value::kInt) fail("'-' of a value that is not an integer");
        return Value::integer(-v.i);
      }
      case Expr::kBinary: return binary(e);
    }
    return Value();
  }

  Value member(const Value& object, const Value& key) {
    if (object.kind == Value::kMap && key.kind == Value::kString) {
      const auto it = object.map->find(key.s);
      return it == object.map->end() ? Value() : it->second;
    }
    if ((object.kind == Value::kList || object.kind == Value::kString) && key.kind == Value::kInt) {
      const auto n = static_cast<int64_t>(object.kind == Value::kList ? object.list->size() : object.s.size());
      const int64_t k = key.i < 0 ? key.i + n : key.i;
      if (k < 0 || k >= n) return Value();
      return object.kind == Value::kList ? (*object.list)[static_cast<size_t>(k)]
                                         : Value::string(object.s.substr(static_cast<size_t>(k), 1));
    }
    if (object.kind == Value::kUndefined) fail("attribute or item of an undefined value", Code::kInvalidArgument);
    return Value();
  }

  Value slice(const Value& object, const Expr* start, const Expr* stop) {
    const int64_t n = object.kind == Value::kList ? static_cast<int64_t>(object.list->size())
                      : object.kind == Value::kString ? static_cast<int64_t>(object.s.size())
                                                      : -1;
    if (n < 0) {
      fail("slice of a value that is neither a list nor a string");
      return Value();
    }
    const auto bound = [&](const Expr* b, int64_t fallback) {
      if (!b) return fallback;
      const Value v = eval(*b);
      const int64_t k = v.kind == Value::kInt ? (v.i < 0 ? v.i + n : v.i) : fallback;
      return std::max<int64_t>(0, std::min(k, n));
    };
    const int64_t from = bound(start, 0), to = std::max(from, bound(stop, n));
    if (object.kind == Value::kString) return Value::string(object.s.substr(static_cast<size_t>(from), static_cast<size_t>(to - from)));
    return Value::of_list(List(object.list->begin() + from, object.list->begin() + to));
  }

  Value call(const Expr& e) {
    const Expr& callee = *e.args[0];
    std::vector<Value> args;
    for (size_t k = 1; k < e.args.size(); ++k) args.push_back(eval(*e.args[k]));
    if (callee.kind == Expr::kName && callee.name == "raise_exception") {
      fail(args.empty() ? "raise_exception" : args[0].text(), Code::kInvalidArgument);
      return Value();
    }
    if (callee.kind == Expr::kAttr) {
      const Value object = eval(*callee.args[0]);
      const std::string& method = callee.name;
      if (object.kind == Value::kString) {
        const std::string& s = object.s;
        if (method == "strip") return Value::string(strip(s, true, true));
        if (method == "lstrip") return Value::string(strip(s, true, false));
        if (method == "rstrip") return Value::string(strip(s, false, true));
        if (method == "upper" || method == "lower") {
          std::string t = s;
          for (char& c : t) c = static_cast<char>(method == "upper" ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
          return Value::string(t);
        }
        if ((method == "startswith" || method == "endswith") && args.size() == 1 && args[0].kind == Value::kString) {
          const std::string& a = args[0].s;
          const bool match = a.size() <= s.size() &&
                             s.compare(method == "startswith" ? 0 : s.size() - a.size(), a.size(), a) == 0;
          return Value::boolean(match);
        }
      }
      fail("method ." + method + "()");
      return Value();
    }
    fail("call of " + (callee.kind == Expr::kName ? callee.name : std::string("an expression")));
    return Value();
  }

  Value filter(const Expr& e) {
    const Value v = eval(*e.args[0]);
    if (e.name == "trim") return Value::string(strip(v.text(), true, true));
    if (e.name == "upper" || e.name == "lower") {
      std::string t = v.text();
      for (char& c : t) c = static_cast<char>(e.name == "upper" ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
      return Value::string(t);
    }
    if (e.name == "length" || e.name == "count") {
      if (v.kind == Value::kList) return Value::integer(static_cast<int64_t>(v.list->size()));
      if (v.kind == Value::kMap) return Value::integer(static_cast<int64_t>(v.map->size()));
      int64_t characters = 0;  // code points, as Python counts
      for (char c : v.text()) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      return Value::integer(characters);
    }
    if ((e.name == "first" || e.name == "last") && v.kind == Value::kList) {
      if (v.list->empty()) return Value();
      return e.name == "first" ? v.list->front() : v.list->back();
    }
    if (e.name == "string") return Value::string(v.text());
    fail("filter |" + e.name);
    return Value();
  }

  bool test(const std::string& name, const Value& v) {
    if (name == "defined") return v.kind != Value::kUndefined;
    if (name == "undefined") return v.kind == Value::kUndefined;
    if (name == "none") return v.kind == Value::kNone;
    if (name == "string") return v.kind == Value::kString;
    if (name == "number" || name == "integer") return v.kind == Value::kInt;
    if (name == "boolean") return v.kind == Value::kBool;
    if (name == "mapping") return v.kind == Value::kMap;
    if (name == "sequence" || name == "iterable") return v.kind == Value::kList || v.kind == Value::kString;
    fail("test 'is " + name + "'");
    return false;
  }

  Value binary(const Expr& e) {
    if (e.name == "and") {
      const Value a = eval(*e.args[0]);
      return a.truthy() ? eval(*e.args[1]) : a;
    }
    if (e.name == "or") {
      const Value a = eval(*e.args[0]);
      return a.truthy() ? a : eval(*e.args[1]);
    }
    const Value a = eval(*e.args[0]), b = eval(*e.args[1]);
    if (e.name == "==") return Value::boolean(equal(a, b));
    if (e.name == "!=") return Value::boolean(!equal(a, b));
    if (e.name == "~") return Value::string(a.text() + b.text());
    if (e.name == "in") {
      if (b.kind == Value::kString) return Value::boolean(b.s.find(a.text()) != std::string::npos);
      if (b.kind == Value::kList) {
        for (const Value& item : *b.list) {
          if (equal(item, a)) return Value::boolean(true);
        }
        return Value::boolean(false);
      }
      if (b.kind == Value::kMap) return Value::boolean(b.map->count(a.text()) > 0);
      return Value::boolean(false);
    }
    if (e.name == "+" && a.kind == Value::kString && b.kind == Value::kString) return Value::string(a.s + b.s);
    if (e.name == "+" && a.kind == Value::kList && b.kind == Value::kList) {
      List joined = *a.list;
      joined.insert(joined.end(), b.list->begin(), b.list->end());
      return Value::of_list(std::move(joined));
    }
    if (a.kind == Value::kString && b.kind == Value::kString) {
      if (e.name == "<") return Value::boolean(a.s < b.s);
      if (e.name == ">") return Value::boolean(a.s > b.s);
    }
    if (a.kind != Value::kInt || b.kind != Value::kInt) {
      fail("'" + e.name + "' of values that are not both integers");
      return Value();
    }
    if (e.name == "+") return Value::integer(a.i + b.i);
    if (e.name == "-") return Value::integer(a.i - b.i);
    if (e.name == "*") return Value::integer(a.i * b.i);
    if (e.name == "<") return Value::boolean(a.i < b.i);
    if (e.name == ">") return Value::boolean(a.i > b.i);
    if (e.name == "<=") return Value::boolean(a.i <= b.i);
    if (e.name == ">=") return Value::boolean(a.i >= b.i);
    if (b.i == 0) {
      fail("division by zero", Code::kInvalidArgument);
      return Value();
    }
    if (e.name == "%") return Value::integer(((a.i % b.i) + b.i) % b.i);
    if (e.name == "//") return Value::integer(a.i / b.i);
    fail("operator " + e.name);
    return Value();
  }

  std::string* error_;
  Code code_ = Code::kUnsupported;
  std::vector<Map> scopes_{Map()};
};

}  // namespace

Result<std::string> render_chat_template(std::string_view source, const ChatTemplateInputs& inputs) {
  std::string error;
  const std::vector<Segment> segments = split_template(source, &error);
  if (!error.empty()) return Status(Code::kInvalidModel, error.c_str());
  Renderer renderer(&error);
  const std::vector<Node> nodes = renderer.parse(segments);
  if (!error.empty()) return Status(renderer.error_code(), error.c_str());
  List messages;
  for (const ChatMessage& m : inputs.messages) {
    messages.push_back(Value::of_map({{"role", Value::string(m.role)}, {"content", Value::string(m.content)}}));
  }
  renderer.define("messages", Value::of_list(std::move(messages)));
  renderer.define("add_generation_prompt", Value::boolean(inputs.add_generation_prompt));
  renderer.define("bos_token", Value::string(inputs.bos_token));
  renderer.define("eos_token", Value::string(inputs.eos_token));
  std::string out;
  renderer.render(nodes, &out);
  if (!error.empty()) return Status(renderer.error_code(), error.c_str());
  return out;
}

}  // namespace sprig::llm
