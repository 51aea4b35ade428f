/* Second Classroom: a record's 小测验, scored on this phone.
 *
 * The page lists the questions (radio buttons with labels) and after them the answer key:
 * each answer, a one-line explanation and a link to the record it comes from. Here the
 * key is hidden and each entry is moved under its question once the question is
 * answered: right or wrong, the explanation and the link. The first answer counts; the
 * choices are then locked until "重新作答". Answers are kept in localStorage under
 * "sc-quiz:<record id>" by question digest (an edited question starts unanswered) and are
 * never sent anywhere, with the score under "_" for 我的足迹. Without JavaScript the quiz
 * reads as a list with its answers after it.
 */
(function () {
  "use strict";
  var store;
  try {
    store = window.localStorage;
    store.setItem("sc-quiz-test", "1");
    store.removeItem("sc-quiz-test");
  } catch (e) {
    return; // storage blocked: the quiz stays a list with its answers after it
  }

  function setUp(quiz) {
    var key = "sc-quiz:" + quiz.getAttribute("data-sc-quiz");
    var questions = Array.prototype.slice.call(quiz.querySelectorAll("[data-sc-q]"));
    var answers = {};
    quiz.querySelectorAll("[data-sc-key]").forEach(function (entry) {
      answers[entry.getAttribute("data-sc-key")] = entry;
    });
    var score = quiz.querySelector(".sc-quiz__score");
    var again = quiz.querySelector(".sc-quiz__again");
    var keyList = quiz.querySelector(".sc-quiz__key");

    function read() {
      try { return JSON.parse(store.getItem(key) || "{}") || {}; } catch (e) { return {}; }
    }
    function write(chosen) {
      try { store.setItem(key, JSON.stringify(chosen)); } catch (e) { /* storage full */ }
    }

    function show(question, choice) {
      var digest = question.getAttribute("data-sc-q");
      var entry = answers[digest];
      var right = entry.getAttribute("data-sc-answer");
      var result = question.querySelector(".sc-quiz__result");
      question.querySelectorAll("input[type=radio]").forEach(function (input) {
        input.checked = input.value === choice;
        input.disabled = true;
        var label = input.closest("label");
        label.classList.toggle("sc-quiz__choice--right", input.value === right);
        label.classList.toggle("sc-quiz__choice--wrong", input.value === choice && choice !== right);
      });
      result.textContent = "";
      var verdict = document.createElement("p");
      verdict.className = "sc-quiz__verdict " + (choice === right ? "sc-quiz__verdict--right" : "sc-quiz__verdict--wrong");
      verdict.textContent = choice === right ? "✓ 回答正确" : "✗ 回答错误，正确答案是：" + right;
      result.appendChild(verdict);
      entry.querySelectorAll(".sc-quiz__why, .sc-quiz__basis").forEach(function (p) {
        result.appendChild(p.cloneNode(true));
      });
      result.hidden = false;
      question.classList.add(choice === right ? "sc-quiz__q--right" : "sc-quiz__q--wrong");
    }

    function reset(question) {
      question.classList.remove("sc-quiz__q--right", "sc-quiz__q--wrong");
      question.querySelectorAll("input[type=radio]").forEach(function (input) {
        input.checked = false;
        input.disabled = false;
        input.closest("label").classList.remove("sc-quiz__choice--right", "sc-quiz__choice--wrong");
      });
      var result = question.querySelector(".sc-quiz__result");
      result.hidden = true;
      result.textContent = "";
    }

    function tally() {
      var chosen = read(), done = 0, right = 0;
      questions.forEach(function (q) {
        var d = q.getAttribute("data-sc-q");
        if (Object.prototype.hasOwnProperty.call(chosen, d)) {
          done++;
          if (chosen[d] === answers[d].getAttribute("data-sc-answer")) right++;
        }
      });
      score.textContent = done ? "得分：答对 " + right + " 题，已答 " + done + " / " + questions.length + " 题" +
        (done === questions.length ? "。全部答完！" : "。") : "点选一个选项，即可看到对错、解析和出处。";
      score.hidden = false;
      again.hidden = !done;
      // The score, for 我的足迹's list of quizzes (the key "_" is no question's digest).
      if (done) {
        chosen._ = { title: quiz.getAttribute("data-sc-quiz-title"),
          url: quiz.getAttribute("data-sc-quiz-url"), right: right, done: done, total: questions.length };
        write(chosen);
      }
    }

    var chosen = read();
    questions.forEach(function (question) {
      var digest = question.getAttribute("data-sc-q");
      if (!answers[digest]) return;
      if (Object.prototype.hasOwnProperty.call(chosen, digest)) show(question, chosen[digest]);
      question.querySelectorAll("input[type=radio]").forEach(function (input) {
        input.addEventListener("change", function () {
          var now = read();
          if (Object.prototype.hasOwnProperty.call(now, digest)) return; // the first answer counts
          now[digest] = input.value;
          write(now);
          show(question, input.value);
          tally();
        });
      });
    });
    again.querySelector("button").addEventListener("click", function () {
      store.removeItem(key);
      questions.forEach(reset);
      tally();
      var first = quiz.querySelector("input[type=radio]");
      if (first) first.focus();
    });
    keyList.hidden = true;
    quiz.querySelector(".sc-quiz__privacy").hidden = false;
    quiz.classList.add("sc-quiz--live");
    tally();
  }

  document.querySelectorAll("[data-sc-quiz]").forEach(setUp);
})();
